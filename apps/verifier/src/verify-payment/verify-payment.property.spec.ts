// Property tests of the verification decider: the precedence holds for any set of broken rules, key
// history lookups agree with an independently written reference for random histories, and the
// compromised-key rule never listens to the phone's clock.
import { keyStateReasons, keyStates, type KeyStatePeriodV1 } from '@settle/contracts';
import { encodePaymentRequest, verifyOfflineTransactionAsync } from '@settle/protocol';
import fc from 'fast-check';
import {
  approvedAtMs,
  checkInAt,
  consumer,
  dayMs,
  deviceId,
  hourMs,
  keyHistory,
  minuteMs,
  type PeriodAt,
  signedTransaction,
  validInput,
  verificationKey,
} from './testing/decider-fixtures';
import {
  compromisedSinceMs,
  decideVerifyPayment,
  keyStateAt,
  signatureCheckOf,
  type VerificationRejectionCode,
  type VerifyPaymentInput,
  verificationRulePrecedence,
  wasEverActive,
} from './verify-payment.decider';

const fastCheckRunsMax = 200;
/** Signing is the slow part of a run: fewer runs where each signs a transaction. */
const signingRunsMax = 60;

/** The reason code, 'verified', or `not-yet-seen:<entity>`. */
function codeOf(input: VerifyPaymentInput): string {
  const decision = decideVerifyPayment(input);
  if (decision.verdict === 'not-yet-seen') return `not-yet-seen:${decision.entity}`;
  return decision.verdict === 'rejected' ? decision.reasonCode : 'verified';
}

describe('precedence (property)', () => {
  const base = validInput();
  const expired = signedTransaction({
    createdAtMs: approvedAtMs - 120_000,
    expiresAtMs: approvedAtMs - 1,
  });

  /**
   * One way to break each rule, touching only what that rule reads, so that breaking a rule never
   * makes an earlier one fail. Applied latest rule first, so an earlier rule's break always survives.
   */
  const breakers: Record<
    VerificationRejectionCode,
    (input: VerifyPaymentInput) => VerifyPaymentInput
  > = {
    KEY_UNKNOWN: (input) => ({
      ...input,
      consumerKey: { ...input.consumerKey!, purpose: 'binding' },
    }),
    SIGNATURE_INVALID: (input) => {
      const request = {
        ...input.transaction.request,
        amount: input.transaction.request.amount + 1n,
      };
      return {
        ...input,
        transaction: { ...input.transaction, request, requestBytes: encodePaymentRequest(request) },
      };
    },
    KEY_NOT_ATTESTED: (input) => ({
      ...input,
      terminalKey: {
        ...input.terminalKey!,
        history: keyHistory([{ state: 'pending', atMs: approvedAtMs - dayMs }]),
      },
    }),
    KEY_COMPROMISED: (input) => ({
      ...input,
      consumerKey: {
        ...input.consumerKey!,
        history: keyHistory([
          { state: 'active', atMs: approvedAtMs - dayMs },
          { state: 'revoked', atMs: approvedAtMs + hourMs, reason: 'compromised' },
        ]),
      },
    }),
    KEY_NOT_ACTIVE: (input) => ({
      ...input,
      terminalKey: {
        ...input.terminalKey!,
        history: keyHistory([{ state: 'active', atMs: approvedAtMs + 1 }]),
      },
    }),
    MERCHANT_MISMATCH: (input) => ({ ...input, terminalMerchantId: 'mer_other' }),
    TERMINAL_MISMATCH: (input) => ({
      ...input,
      terminalKey: { ...input.terminalKey!, owner: { kind: 'terminal', id: 'ter_other' } },
    }),
    REQUEST_EXPIRED: (input) => ({ ...input, ...expired }),
    PRESENTMENT_WINDOW_EXCEEDED: (input) => ({
      ...input,
      uploadedAtMs: approvedAtMs + input.presentmentWindowMs + 1,
    }),
    COUNTER_REUSED: (input) => ({ ...input, counterUsedBy: 'txn_other' }),
    PER_TRANSACTION_CAP_EXCEEDED: (input) => ({
      ...input,
      checkIns: input.checkIns.map((checkIn) =>
        checkInAt(checkIn.checkedInAtMs, [
          { currency: 'EUR', perTransactionMax: 1000n, cumulativeMax: 15000n },
        ]),
      ),
    }),
    CUMULATIVE_CAP_EXCEEDED: (input) => ({
      ...input,
      capabilityChanges: [{ changedAtMs: approvedAtMs - minuteMs, capability: 'suspended' }],
    }),
  };

  it('each breaker alone gives its own code', () => {
    expect(verificationRulePrecedence.map((code) => codeOf(breakers[code](base)))).toEqual([
      ...verificationRulePrecedence,
    ]);
  });

  it('whatever rules a transaction breaks, the verdict is the first of them in the precedence', () => {
    fc.assert(
      fc.property(fc.subarray([...verificationRulePrecedence]), (broken) => {
        const input = [...broken]
          .reverse()
          .reduce((current, code) => breakers[code](current), base);
        expect(codeOf(input)).toBe(broken[0] ?? 'verified');
      }),
      { numRuns: fastCheckRunsMax },
    );
  });

  it('decides the same when given the signatures’ outcome from the threadpool, whatever rules the transaction breaks', async () => {
    await fc.assert(
      fc.asyncProperty(fc.subarray([...verificationRulePrecedence]), async (broken) => {
        const input = [...broken]
          .reverse()
          .reduce((current, code) => breakers[code](current), base);
        const check = signatureCheckOf(input.consumerKey, input.terminalKey);
        expect(check === null).toBe(broken[0] === 'KEY_UNKNOWN');
        const checkedAhead =
          check === null
            ? input
            : {
                ...input,
                signatures: await verifyOfflineTransactionAsync(input.transaction, check),
              };
        expect(decideVerifyPayment(checkedAhead)).toEqual(decideVerifyPayment(input));
        expect(codeOf(checkedAhead)).toBe(broken[0] ?? 'verified');
      }),
      { numRuns: fastCheckRunsMax },
    );
  });

  it('a key missing from the projection is waited for, whatever rules the transaction breaks', () => {
    fc.assert(
      fc.property(
        fc.subarray([...verificationRulePrecedence]),
        fc.constantFrom('consumerKey' as const, 'terminalKey' as const),
        (broken, missing) => {
          const input = [...broken]
            .reverse()
            .reduce((current, code) => breakers[code](current), base);
          expect(codeOf({ ...input, [missing]: null })).toBe('not-yet-seen:key');
        },
      ),
      { numRuns: fastCheckRunsMax },
    );
  });
});

/** Random contiguous key histories: states and reasons from the contract, positive durations. */
const history: fc.Arbitrary<KeyStatePeriodV1[]> = fc
  .array(
    fc.record({
      state: fc.constantFrom(...keyStates),
      reason: fc.constantFrom(null, ...keyStateReasons),
      durationMs: fc.integer({ min: 1, max: 10 * dayMs }),
    }),
    { minLength: 1, maxLength: 8 },
  )
  .map((periods) => {
    let atMs = approvedAtMs - 20 * dayMs;
    const timeline: PeriodAt[] = periods.map(({ state, reason, durationMs }) => {
      const period = { state, reason, atMs };
      atMs += durationMs;
      return period;
    });
    return keyHistory(timeline);
  });

/** The reference: every period whose interval holds the instant, by the interval's definition. */
function referenceStateAt(periods: readonly KeyStatePeriodV1[], atMs: number): string | null {
  const holding = periods.filter(
    (period) =>
      new Date(period.validFrom).getTime() <= atMs &&
      (period.validTo === null || atMs < new Date(period.validTo).getTime()),
  );
  expect(holding.length).toBeLessThanOrEqual(1);
  return holding[0]?.state ?? null;
}

/** Instants around the history: at, just before and just after every boundary, and anywhere. */
function probesOf(periods: readonly KeyStatePeriodV1[]): fc.Arbitrary<number> {
  const boundaries = periods
    .flatMap((period) => [period.validFrom, period.validTo])
    .filter((at): at is string => at !== null)
    .map((at) => Date.parse(at));
  return fc.oneof(
    fc.constantFrom(...boundaries).chain((at) => fc.constantFrom(at - 1, at, at + 1)),
    fc.integer({ min: approvedAtMs - 30 * dayMs, max: approvedAtMs + 90 * dayMs }),
  );
}

describe('key history (property)', () => {
  it('keyStateAt agrees with the reference at any instant', () => {
    fc.assert(
      fc.property(
        history.chain((periods) =>
          fc.tuple(
            fc.constant(periods),
            fc.array(probesOf(periods), { minLength: 1, maxLength: 20 }),
          ),
        ),
        ([periods, probes]) => {
          for (const atMs of probes)
            expect(keyStateAt(periods, atMs)).toBe(referenceStateAt(periods, atMs));
        },
      ),
      { numRuns: fastCheckRunsMax },
    );
  });

  it('the key rules of the decider follow the lookups: never active → NOT_ATTESTED, not active at approval → NOT_ACTIVE', () => {
    const base = validInput();
    fc.assert(
      fc.property(history, (periods) => {
        const input = { ...base, consumerKey: { ...base.consumerKey!, history: periods } };
        const code = codeOf(input);
        if (!periods.some((period) => period.state === 'active'))
          expect(code).toBe('KEY_NOT_ATTESTED');
        else if (compromisedSinceMs(periods) !== null)
          expect(['KEY_COMPROMISED', 'KEY_NOT_ACTIVE', 'verified']).toContain(code);
        else
          expect(code).toBe(
            referenceStateAt(periods, approvedAtMs) === 'active' ? 'verified' : 'KEY_NOT_ACTIVE',
          );
        expect(wasEverActive(periods)).toBe(periods.some((period) => period.state === 'active'));
      }),
      { numRuns: fastCheckRunsMax },
    );
  });
});

describe('compromised key (property)', () => {
  it('the verdict depends on the terminal’s approval time and the check-ins, never on the phone’s authorizedAt', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -3 * dayMs, max: 3 * dayMs }),
        fc.array(fc.integer({ min: -3 * dayMs, max: 2 * dayMs }), { maxLength: 4 }),
        fc.integer({ min: -30 * dayMs, max: 30 * dayMs }),
        (revokedOffsetMs, checkInOffsetsMs, authorizedOffsetMs) => {
          const revokedAtMs = approvedAtMs + revokedOffsetMs;
          const checkIns = [...new Set(checkInOffsetsMs)]
            .sort((a, b) => a - b)
            .map((offsetMs) => checkInAt(approvedAtMs + offsetMs));
          const consumerKey = verificationKey(consumer, { kind: 'device', id: deviceId }, [
            { state: 'active', atMs: approvedAtMs - 4 * dayMs },
            { state: 'revoked', atMs: revokedAtMs, reason: 'compromised' },
          ]);
          const overrides = { consumerKey, checkIns, uploadedAtMs: approvedAtMs + 4 * dayMs };
          const phoneSays = codeOf(
            validInput({ authorizedAtMs: approvedAtMs + authorizedOffsetMs }, overrides),
          );
          const usual = codeOf(validInput({}, overrides));
          expect(phoneSays).toBe(usual);
          const lastTrusted = checkIns
            .filter((checkIn) => checkIn.checkedInAtMs < revokedAtMs)
            .pop();
          const compromised = lastTrusted === undefined || approvedAtMs > lastTrusted.checkedInAtMs;
          expect(usual === 'KEY_COMPROMISED').toBe(compromised);
        },
      ),
      { numRuns: signingRunsMax },
    );
  });
});
