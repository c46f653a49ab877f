import { retryBackoffMsMax, retryBackoffMsMin } from '@settle/messaging';

/**
 * How many times the backbone must try a payment naming an account or merchant not seen yet so that
 * its last attempt comes after the ledger's retry window has ended: the decider then fails it with
 * UNKNOWN_ACCOUNT / UNKNOWN_MERCHANT instead of the backbone dead-lettering it (RETRIES_EXHAUSTED).
 * The attempts are spread by the backbone's backoff (100 ms doubling to 5 s); the waits before the
 * last attempt add up to at least the window plus one longest backoff, a margin for the time the
 * event spent in Kafka before its first attempt being shorter than its age (clock skew between the
 * verifier and the ledger) and for processing time.
 */
export function entityRetryAttemptsFor(retryWindowMs: number): number {
  if (!Number.isInteger(retryWindowMs) || retryWindowMs < 0)
    throw new RangeError(`retry window ${retryWindowMs} ms is a non-negative integer`);
  let waitedMs = 0;
  let attempts = 1;
  while (waitedMs < retryWindowMs + retryBackoffMsMax) {
    waitedMs += backoffAfterAttemptMs(attempts);
    attempts += 1;
  }
  return attempts;
}

/** The backbone's wait after failed attempt `attempt` (from 1): libs/messaging's InboxConsumer. */
export function backoffAfterAttemptMs(attempt: number): number {
  return Math.min(retryBackoffMsMin * 2 ** (attempt - 1), retryBackoffMsMax);
}
