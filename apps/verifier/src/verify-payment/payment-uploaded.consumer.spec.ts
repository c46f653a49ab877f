import { retryBackoffMsMax, retryBackoffMsMin } from '@settle/messaging';
import { verificationEntityRetryAttemptsMax } from './payment-uploaded.consumer';
import { checkInProjectionGraceMs } from './verify-payment.decider';

/** How long the backbone keeps retrying a not-yet-seen event before its last attempt (the sleeps between attempts). */
function entityRetryWindowMs(attemptsMax: number): number {
  let totalMs = 0;
  for (let attempt = 1; attempt < attemptsMax; attempt++)
    totalMs += Math.min(retryBackoffMsMin * 2 ** (attempt - 1), retryBackoffMsMax);
  return totalMs;
}

describe('waiting for a check-in', () => {
  it('the grace ends well before the retries do, so a payment whose check-in never comes is rejected, not dead-lettered', () => {
    // About 51 s of retries today; at least 15 s of them must remain after the grace for the final verdict.
    expect(
      entityRetryWindowMs(verificationEntityRetryAttemptsMax) - checkInProjectionGraceMs,
    ).toBeGreaterThanOrEqual(15_000);
  });
});
