/** Time comes in through this port, so handlers never read the clock themselves (tests pin it). */
export interface Clock {
  now(): Date;
}

/** Inject the service's clock with `@Inject(CLOCK)`; the platform module provides {@link systemClock}. */
export const CLOCK = 'settle.platform.CLOCK';

export const systemClock: Clock = { now: () => new Date() };
