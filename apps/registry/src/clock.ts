import { Global, Module } from '@nestjs/common';

/** Time comes in through this port, so handlers never read the clock themselves (tests pin it). */
export interface Clock {
  now(): Date;
}

export const REGISTRY_CLOCK = 'settle.registry.CLOCK';

export const systemClock: Clock = { now: () => new Date() };

/** Global, because the consumers are instantiated inside MessagingModule's scope and must still find it. */
@Global()
@Module({ providers: [{ provide: REGISTRY_CLOCK, useValue: systemClock }], exports: [REGISTRY_CLOCK] })
export class RegistryClockModule {}
