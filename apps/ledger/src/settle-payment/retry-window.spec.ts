import { entityRetryAttemptsMax } from '@settle/messaging';
import { unknownEntityRetryWindowMsMax } from '../config';
import { backoffAfterAttemptMs, entityRetryAttemptsFor } from './retry-window';

const waitedBeforeLastAttemptMs = (attempts: number) =>
  Array.from({ length: attempts - 1 }, (_, index) => backoffAfterAttemptMs(index + 1)).reduce(
    (sum, ms) => sum + ms,
    0,
  );

describe('the backbone attempts for the unknown-entity retry window', () => {
  it('makes the last attempt come after the window plus one longest backoff, and no later than needed', () => {
    for (const windowMs of [
      0,
      1,
      1_500,
      6_300,
      10_000,
      10_001,
      60_000,
      123_457,
      unknownEntityRetryWindowMsMax,
    ]) {
      const attempts = entityRetryAttemptsFor(windowMs);
      expect(waitedBeforeLastAttemptMs(attempts)).toBeGreaterThanOrEqual(windowMs + 5_000);
      expect(waitedBeforeLastAttemptMs(attempts - 1)).toBeLessThan(windowMs + 5_000);
    }
  });

  it('needs more than the backbone’s default 8 attempts (≈ 11.3 s) beyond a 6.3 s window', () => {
    expect(entityRetryAttemptsFor(6_000)).toBe(entityRetryAttemptsMax);
    expect(entityRetryAttemptsFor(10_000)).toBe(9);
    expect(entityRetryAttemptsFor(60_000)).toBe(19);
  });

  it('refuses a window that is not a non-negative integer', () => {
    expect(() => entityRetryAttemptsFor(-1)).toThrow(RangeError);
    expect(() => entityRetryAttemptsFor(1.5)).toThrow(RangeError);
  });
});
