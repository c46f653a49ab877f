import { Global, Module } from '@nestjs/common';

/** Time comes in through this port, so handlers never read the clock themselves (tests pin it). */
export interface Clock {
  now(): Date;
}

export const LEDGER_CLOCK = 'settle.ledger.CLOCK';

export const systemClock: Clock = { now: () => new Date() };

/**
 * Global, because the consumers are instantiated inside MessagingModule's scope (it lists them as its
 * providers) and must still find the clock.
 */
@Global()
@Module({ providers: [{ provide: LEDGER_CLOCK, useValue: systemClock }], exports: [LEDGER_CLOCK] })
export class LedgerClockModule {}
