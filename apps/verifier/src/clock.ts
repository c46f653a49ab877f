import { Global, Module } from '@nestjs/common';

/** Time comes in through this port, so the verifier never reads the clock itself (tests pin it). */
export interface Clock {
  now(): Date;
}

export const VERIFIER_CLOCK = 'settle.verifier.CLOCK';

export const systemClock: Clock = { now: () => new Date() };

/** Global, because the consumers are instantiated inside MessagingModule's scope and must still find it. */
@Global()
@Module({ providers: [{ provide: VERIFIER_CLOCK, useValue: systemClock }], exports: [VERIFIER_CLOCK] })
export class VerifierClockModule {}
