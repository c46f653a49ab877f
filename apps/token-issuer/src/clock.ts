import { Global, Module } from '@nestjs/common';

/** Time comes in through this port, so handlers never read the clock themselves (tests pin it). */
export interface Clock {
  now(): Date;
}

export const TOKEN_ISSUER_CLOCK = 'settle.token-issuer.CLOCK';

export const systemClock: Clock = { now: () => new Date() };

/** Global, because the consumers are instantiated inside MessagingModule's scope and must still find it. */
@Global()
@Module({ providers: [{ provide: TOKEN_ISSUER_CLOCK, useValue: systemClock }], exports: [TOKEN_ISSUER_CLOCK] })
export class TokenIssuerClockModule {}
