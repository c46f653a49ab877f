import { paymentRejectionReasonCodes } from '@settle/contracts';
import {
  encodePaymentRequest,
  protocolPublicKey,
  verifyOfflineTransactionAsync,
} from '@settle/protocol';
import {
  approvedAtMs,
  checkInAt,
  consumer,
  dayMs,
  deviceId,
  fixtureKey,
  hourMs,
  keyHistory,
  merchantId,
  minuteMs,
  signedTransaction,
  terminal,
  terminalId,
  validInput,
  verificationKey,
} from './testing/decider-fixtures';
import {
  capabilityAt,
  checkInWindowAt,
  compromisedSinceMs,
  decideVerifyPayment,
  keyStateAt,
  lastCheckInBefore,
  signatureCheckOf,
  spendInWindow,
  VerificationInvariantError,
  type VerifyPaymentInput,
  verificationRulePrecedence,
} from './verify-payment.decider';

const deviceOwner = { kind: 'device' as const, id: deviceId };
const terminalOwner = { kind: 'terminal' as const, id: terminalId };

/** The reason code, 'verified', or `not-yet-seen:<entity>`. */
function codeOf(input: VerifyPaymentInput): string {
  const decision = decideVerifyPayment(input);
  if (decision.verdict === 'not-yet-seen') return `not-yet-seen:${decision.entity}`;
  return decision.verdict === 'rejected' ? decision.reasonCode : 'verified';
}

/** The same request bytes with another amount: what a tampering terminal would upload. */
function withTamperedAmount(input: VerifyPaymentInput, amount: bigint): VerifyPaymentInput {
  const request = { ...input.transaction.request, amount };
  return {
    ...input,
    transaction: { ...input.transaction, request, requestBytes: encodePaymentRequest(request) },
  };
}

describe('decideVerifyPayment', () => {
  it('verifies a valid transaction: account, fee input, amount, counter and approval time from the signed content', () => {
    const input = validInput({ amount: 4200n, counter: 99n });
    expect(decideVerifyPayment(input)).toEqual({
      verdict: 'verified',
      consumerAccountId: 'acc_fixture',
      merchantCategoryCode: '5411',
      amount: 4200n,
      currency: 'EUR',
      deviceCounter: 99n,
      approvedAtMs,
    });
  });

  it('verifies an EdDSA consumer key', () => {
    expect(codeOf(validInput({ consumerKey: fixtureKey('EdDSA') }))).toBe('verified');
  });

  it('lists the precedence over the contract’s codes, DUPLICATE_WITH_DIFFERENT_CONTENT (an upload decision) aside', () => {
    expect([...verificationRulePrecedence].sort()).toEqual(
      paymentRejectionReasonCodes
        .filter((code) => code !== 'DUPLICATE_WITH_DIFFERENT_CONTENT')
        .sort(),
    );
    expect(verificationRulePrecedence.slice(0, 2)).toEqual(['KEY_UNKNOWN', 'SIGNATURE_INVALID']);
  });

  describe('a key missing from the projection: waited for, never KEY_UNKNOWN (the upload saw it)', () => {
    it.each([
      ['the consumer key', { consumerKey: null }, consumer.keyId],
      ['the terminal key', { terminalKey: null }, terminal.keyId],
      ['both (the consumer’s is named)', { consumerKey: null, terminalKey: null }, consumer.keyId],
    ])('%s', (_case, overrides, keyId) => {
      expect(decideVerifyPayment(validInput({}, overrides))).toEqual({
        verdict: 'not-yet-seen',
        entity: 'key',
        entityId: keyId,
      });
    });

    it('whatever else is wrong with the transaction, and however old the upload', () => {
      const input = withTamperedAmount(
        validInput(
          {},
          {
            terminalKey: null,
            uploadedAtMs: approvedAtMs + 31 * dayMs,
            counterUsedBy: 'txn_first',
          },
        ),
        1n,
      );
      expect(codeOf(input)).toBe('not-yet-seen:key');
    });
  });

  describe('rule 1: KEY_UNKNOWN (a projected key of the wrong kind)', () => {
    it.each([
      [
        'the consumer key is a terminal’s',
        { consumerKey: verificationKey(consumer, terminalOwner) },
      ],
      ['the terminal key is a device’s', { terminalKey: verificationKey(terminal, deviceOwner) }],
      [
        'the consumer key is a binding key',
        { consumerKey: { ...verificationKey(consumer, deviceOwner), purpose: 'binding' as const } },
      ],
      [
        'the terminal key is a binding key',
        {
          terminalKey: { ...verificationKey(terminal, terminalOwner), purpose: 'binding' as const },
        },
      ],
      [
        'the registered JWK could not be imported',
        { consumerKey: { ...verificationKey(consumer, deviceOwner), publicKey: null } },
      ],
    ])('%s', (_case, overrides) => {
      expect(decideVerifyPayment(validInput({}, overrides))).toEqual({
        verdict: 'rejected',
        reasonCode: 'KEY_UNKNOWN',
      });
    });
  });

  describe('rule 2: SIGNATURE_INVALID (a fraud signal about the uploading terminal)', () => {
    it('rejects a tampered amount (the consumer signature no longer covers the request)', () => {
      expect(decideVerifyPayment(withTamperedAmount(validInput(), 1n))).toEqual({
        verdict: 'rejected',
        reasonCode: 'SIGNATURE_INVALID',
        fraudSignal: {
          kind: 'SIGNATURE_INVALID',
          subject: { kind: 'terminal', id: terminalId },
          details: { part: 'authorization', code: 'SIGNATURE_INVALID' },
        },
      });
    });

    it('rejects a consumer signature made by another key than the registered one', () => {
      const registered = verificationKey(consumer, deviceOwner);
      const input = validInput({ consumerKey: fixtureKey() }, { consumerKey: registered });
      expect(decideVerifyPayment(input)).toMatchObject({
        reasonCode: 'SIGNATURE_INVALID',
        fraudSignal: { details: { part: 'authorization', code: 'KEY_ID_MISMATCH' } },
      });
    });

    it('rejects an approval whose signature fails', () => {
      const input = validInput(
        { terminalKey: fixtureKey() },
        { terminalKey: verificationKey(terminal, terminalOwner) },
      );
      expect(decideVerifyPayment(input)).toMatchObject({
        reasonCode: 'SIGNATURE_INVALID',
        fraudSignal: { details: { part: 'approval' } },
      });
    });

    it('accepts ES256 only from terminals', () => {
      const edTerminal = fixtureKey('EdDSA');
      const input = validInput({ terminalKey: edTerminal });
      expect(decideVerifyPayment(input)).toMatchObject({
        reasonCode: 'SIGNATURE_INVALID',
        fraudSignal: { details: { part: 'approval', code: 'ALGORITHM_NOT_ALLOWED' } },
      });
    });
  });

  describe('rule 2 checked ahead of the decider (the consumer verifies a batch in the threadpool)', () => {
    /** The input with rule 2's outcome as the consumer computes it: verifyOfflineTransactionAsync with signatureCheckOf the keys. */
    async function withCheckedSignatures(input: VerifyPaymentInput): Promise<VerifyPaymentInput> {
      const check = signatureCheckOf(input.consumerKey, input.terminalKey);
      return check === null
        ? input
        : { ...input, signatures: await verifyOfflineTransactionAsync(input.transaction, check) };
    }

    it.each<[string, () => VerifyPaymentInput]>([
      ['valid', () => validInput()],
      ['valid, an EdDSA consumer key', () => validInput({ consumerKey: fixtureKey('EdDSA') })],
      ['a tampered amount', () => withTamperedAmount(validInput(), 1n)],
      [
        'another consumer key',
        () =>
          validInput(
            { consumerKey: fixtureKey() },
            { consumerKey: verificationKey(consumer, deviceOwner) },
          ),
      ],
      ['an EdDSA terminal key', () => validInput({ terminalKey: fixtureKey('EdDSA') })],
    ])('decides as when it checks them itself: %s', async (_case, input) => {
      expect(decideVerifyPayment(await withCheckedSignatures(input()))).toEqual(
        decideVerifyPayment(input()),
      );
    });

    it('takes the outcome it is given: a failure names the part and code of that outcome', () => {
      const failed = {
        ok: false as const,
        code: 'SIGNATURE_INVALID' as const,
        field: 'approval/signature',
        message: 'the signature does not verify',
      };
      expect(decideVerifyPayment({ ...validInput(), signatures: failed })).toEqual({
        verdict: 'rejected',
        reasonCode: 'SIGNATURE_INVALID',
        fraudSignal: {
          kind: 'SIGNATURE_INVALID',
          subject: { kind: 'terminal', id: terminalId },
          details: { part: 'approval', code: 'SIGNATURE_INVALID' },
        },
      });
    });

    it('keeps rule 1 first: no check for keys that are missing or not payment keys, and an outcome given anyway is ignored', async () => {
      const verifiedOutcome = (await withCheckedSignatures(validInput())).signatures;
      expect(verifiedOutcome).toMatchObject({ ok: true });
      const bindingKey = { ...verificationKey(consumer, deviceOwner), purpose: 'binding' as const };
      expect(signatureCheckOf(bindingKey, verificationKey(terminal, terminalOwner))).toBeNull();
      expect(signatureCheckOf(null, verificationKey(terminal, terminalOwner))).toBeNull();
      expect(
        signatureCheckOf(verificationKey(terminal, deviceOwner), {
          ...verificationKey(terminal, terminalOwner),
          publicKey: null,
        }),
      ).toBeNull();
      expect(
        decideVerifyPayment(
          validInput({}, { consumerKey: bindingKey, signatures: verifiedOutcome }),
        ),
      ).toEqual({ verdict: 'rejected', reasonCode: 'KEY_UNKNOWN' });
      expect(codeOf(validInput({}, { terminalKey: null, signatures: verifiedOutcome }))).toBe(
        'not-yet-seen:key',
      );
    });
  });

  describe('rule 3: KEY_NOT_ATTESTED', () => {
    it.each([
      [
        'the consumer key is still pending',
        'consumerKey',
        [{ state: 'pending' as const, atMs: approvedAtMs - dayMs }],
      ],
      [
        'the terminal key was rejected',
        'terminalKey',
        [
          { state: 'pending' as const, atMs: approvedAtMs - dayMs },
          {
            state: 'rejected' as const,
            atMs: approvedAtMs - hourMs,
            reason: 'attestation-rejected' as const,
          },
        ],
      ],
    ] as const)('%s', (_case, which, periods) => {
      const key =
        which === 'consumerKey'
          ? verificationKey(consumer, deviceOwner, periods)
          : verificationKey(terminal, terminalOwner, periods);
      expect(decideVerifyPayment(validInput({}, { [which]: key }))).toEqual({
        verdict: 'rejected',
        reasonCode: 'KEY_NOT_ATTESTED',
      });
    });
  });

  describe('rule 4: KEY_COMPROMISED', () => {
    const revokedAtMs = approvedAtMs + 2 * hourMs;
    const compromised = verificationKey(consumer, deviceOwner, [
      { state: 'pending', atMs: approvedAtMs - 2 * dayMs },
      { state: 'active', atMs: approvedAtMs - dayMs },
      { state: 'revoked', atMs: revokedAtMs, reason: 'compromised' },
    ]);

    it('rejects a payment approved after the device’s last check-in before the revocation, though the key was active then', () => {
      const input = validInput(
        {},
        { consumerKey: compromised, checkIns: [checkInAt(approvedAtMs - hourMs)] },
      );
      expect(decideVerifyPayment(input)).toEqual({
        verdict: 'rejected',
        reasonCode: 'KEY_COMPROMISED',
        fraudSignal: {
          kind: 'COMPROMISED_KEY_USED',
          subject: { kind: 'key', id: consumer.keyId },
          details: {
            ownerKind: 'device',
            ownerId: deviceId,
            revokedAt: new Date(revokedAtMs).toISOString(),
            lastTrustedCheckInAt: new Date(approvedAtMs - hourMs).toISOString(),
          },
        },
      });
    });

    it('whatever the phone’s clock says: an authorization dated before the last check-in changes nothing', () => {
      const input = validInput(
        { authorizedAtMs: approvedAtMs - 3 * hourMs },
        { consumerKey: compromised, checkIns: [checkInAt(approvedAtMs - hourMs)] },
      );
      expect(codeOf(input)).toBe('KEY_COMPROMISED');
    });

    it('keeps a payment approved before the last trusted check-in', () => {
      const checkIns = [checkInAt(approvedAtMs - hourMs), checkInAt(approvedAtMs + hourMs)];
      expect(codeOf(validInput({}, { consumerKey: compromised, checkIns }))).toBe('verified');
    });

    it('ignores check-ins after the revocation (the attacker may have made them)', () => {
      const checkIns = [checkInAt(approvedAtMs - hourMs), checkInAt(revokedAtMs + hourMs)];
      expect(
        codeOf(
          validInput(
            {},
            { consumerKey: compromised, checkIns, uploadedAtMs: revokedAtMs + 2 * hourMs },
          ),
        ),
      ).toBe('KEY_COMPROMISED');
    });

    it('rejects every payment of a device that never checked in before the revocation', () => {
      expect(codeOf(validInput({}, { consumerKey: compromised, checkIns: [] }))).toBe(
        'KEY_COMPROMISED',
      );
    });

    it('is only about `compromised`: a key revoked as lost keeps what was approved while active', () => {
      const lost = verificationKey(consumer, deviceOwner, [
        { state: 'pending', atMs: approvedAtMs - 2 * dayMs },
        { state: 'active', atMs: approvedAtMs - dayMs },
        { state: 'revoked', atMs: revokedAtMs, reason: 'device-lost' },
      ]);
      expect(codeOf(validInput({}, { consumerKey: lost }))).toBe('verified');
    });

    it('rejects an upload received after the terminal key was revoked as compromised, and not one received before', () => {
      const terminalKey = verificationKey(terminal, terminalOwner, [
        { state: 'pending', atMs: approvedAtMs - 2 * dayMs },
        { state: 'active', atMs: approvedAtMs - dayMs },
        { state: 'revoked', atMs: approvedAtMs + 30 * minuteMs, reason: 'compromised' },
      ]);
      expect(
        decideVerifyPayment(validInput({}, { terminalKey, uploadedAtMs: approvedAtMs + hourMs })),
      ).toMatchObject({
        reasonCode: 'KEY_COMPROMISED',
        fraudSignal: {
          kind: 'COMPROMISED_KEY_USED',
          subject: { kind: 'key', id: terminal.keyId },
          details: { ownerKind: 'terminal', ownerId: terminalId },
        },
      });
      expect(
        codeOf(validInput({}, { terminalKey, uploadedAtMs: approvedAtMs + 10 * minuteMs })),
      ).toBe('verified');
    });
  });

  describe('rule 5: KEY_NOT_ACTIVE', () => {
    it.each([
      [
        'the consumer key was revoked before the approval',
        'consumerKey',
        [
          { state: 'active', atMs: approvedAtMs - dayMs },
          { state: 'revoked', atMs: approvedAtMs - minuteMs, reason: 'device-lost' },
        ],
      ],
      [
        'the consumer key was suspended at the approval',
        'consumerKey',
        [
          { state: 'active', atMs: approvedAtMs - dayMs },
          { state: 'suspended', atMs: approvedAtMs - minuteMs, reason: 'operator-action' },
          { state: 'active', atMs: approvedAtMs + minuteMs },
        ],
      ],
      [
        'the consumer key became active after the approval',
        'consumerKey',
        [
          { state: 'pending', atMs: approvedAtMs - dayMs },
          { state: 'active', atMs: approvedAtMs + 1 },
        ],
      ],
      [
        'the terminal key was rotated before the approval',
        'terminalKey',
        [
          { state: 'active', atMs: approvedAtMs - dayMs },
          { state: 'rotated', atMs: approvedAtMs, reason: 'superseded' },
        ],
      ],
      [
        'the terminal key was registered after the approval',
        'terminalKey',
        [{ state: 'active', atMs: approvedAtMs + 1 }],
      ],
    ] as const)('%s', (_case, which, periods) => {
      const key =
        which === 'consumerKey'
          ? verificationKey(consumer, deviceOwner, periods)
          : verificationKey(terminal, terminalOwner, periods);
      expect(decideVerifyPayment(validInput({}, { [which]: key }))).toEqual({
        verdict: 'rejected',
        reasonCode: 'KEY_NOT_ACTIVE',
      });
    });

    it('verifies a payment approved while active though the key was rotated before the upload', () => {
      const key = verificationKey(terminal, terminalOwner, [
        { state: 'active', atMs: approvedAtMs - dayMs },
        { state: 'rotated', atMs: approvedAtMs + 1, reason: 'superseded' },
      ]);
      expect(codeOf(validInput({}, { terminalKey: key }))).toBe('verified');
    });
  });

  it('rule 6: MERCHANT_MISMATCH when the registry puts the terminal at another merchant (a fraud signal about the terminal)', () => {
    expect(decideVerifyPayment(validInput({}, { terminalMerchantId: 'mer_other' }))).toEqual({
      verdict: 'rejected',
      reasonCode: 'MERCHANT_MISMATCH',
      fraudSignal: {
        kind: 'MERCHANT_MISMATCH',
        subject: { kind: 'terminal', id: terminalId },
        details: { requestMerchantId: merchantId, registeredMerchantId: 'mer_other' },
      },
    });
  });

  it('rule 7: TERMINAL_MISMATCH when the approval key belongs to another terminal than the request names', () => {
    const input = validInput(
      {},
      { terminalKey: verificationKey(terminal, { kind: 'terminal', id: 'ter_other' }) },
    );
    expect(decideVerifyPayment(input)).toEqual({
      verdict: 'rejected',
      reasonCode: 'TERMINAL_MISMATCH',
    });
  });

  describe('rule 8: REQUEST_EXPIRED', () => {
    it('rejects an approval after the request expired, and one before it was created', () => {
      expect(
        codeOf(validInput({ createdAtMs: approvedAtMs - 120_000, expiresAtMs: approvedAtMs - 1 })),
      ).toBe('REQUEST_EXPIRED');
      expect(
        codeOf(validInput({ createdAtMs: approvedAtMs + 1, expiresAtMs: approvedAtMs + 60_000 })),
      ).toBe('REQUEST_EXPIRED');
    });

    it('accepts an approval exactly at either bound', () => {
      expect(
        codeOf(validInput({ createdAtMs: approvedAtMs - 60_000, expiresAtMs: approvedAtMs })),
      ).toBe('verified');
      expect(
        codeOf(validInput({ createdAtMs: approvedAtMs, expiresAtMs: approvedAtMs + 60_000 })),
      ).toBe('verified');
    });
  });

  it('rule 9: PRESENTMENT_WINDOW_EXCEEDED past the window, not at it', () => {
    const presentmentWindowMs = 2 * hourMs;
    expect(
      codeOf(
        validInput(
          {},
          { presentmentWindowMs, uploadedAtMs: approvedAtMs + presentmentWindowMs + 1 },
        ),
      ),
    ).toBe('PRESENTMENT_WINDOW_EXCEEDED');
    expect(
      codeOf(
        validInput({}, { presentmentWindowMs, uploadedAtMs: approvedAtMs + presentmentWindowMs }),
      ),
    ).toBe('verified');
  });

  describe('rule 10: COUNTER_REUSED', () => {
    it('rejects a counter another transaction used, with a fraud signal about the device', () => {
      expect(
        decideVerifyPayment(validInput({ counter: 12n }, { counterUsedBy: 'txn_first' })),
      ).toEqual({
        verdict: 'rejected',
        reasonCode: 'COUNTER_REUSED',
        fraudSignal: {
          kind: 'COUNTER_REUSED',
          subject: { kind: 'device', id: deviceId },
          details: { deviceCounter: '12', firstTransactionId: 'txn_first' },
        },
      });
    });

    it('is not a reuse when the counter is this transaction’s own', () => {
      const input = validInput();
      expect(codeOf({ ...input, counterUsedBy: input.transactionId })).toBe('verified');
    });
  });

  describe('rule 11: PER_TRANSACTION_CAP_EXCEEDED', () => {
    it('rejects an amount over the cap, not one at it', () => {
      expect(codeOf(validInput({ amount: 5001n }))).toBe('PER_TRANSACTION_CAP_EXCEEDED');
      expect(codeOf(validInput({ amount: 5000n }))).toBe('verified');
    });

    it('rejects a currency the credential has no cap for', () => {
      expect(codeOf(validInput({ currency: 'CHF' }))).toBe('PER_TRANSACTION_CAP_EXCEEDED');
    });

    it.each([
      ['no check-in at all', []],
      ['only a check-in after the approval', [checkInAt(approvedAtMs + 1)]],
      ['the latest check-in before the approval expired', [checkInAt(approvedAtMs - 2 * dayMs)]],
    ])('rejects when no credential is in force: %s', (_case, checkIns) => {
      expect(codeOf(validInput({}, { checkIns }))).toBe('PER_TRANSACTION_CAP_EXCEEDED');
    });

    describe('within checkInProjectionGraceMs of the upload, a missing credential is waited for (its check-in may still be on its way)', () => {
      const graceMs = 30_000;
      const uploadedAtMs = approvedAtMs + minuteMs;
      const at = (decidedAtMs: number, overrides: Partial<VerifyPaymentInput> = {}) =>
        validInput(
          {},
          {
            checkIns: [],
            uploadedAtMs,
            decidedAtMs,
            checkInProjectionGraceMs: graceMs,
            ...overrides,
          },
        );

      it('waits until the grace has passed, then rejects', () => {
        expect(decideVerifyPayment(at(uploadedAtMs))).toEqual({
          verdict: 'not-yet-seen',
          entity: 'check-in',
          entityId: deviceId,
        });
        expect(codeOf(at(uploadedAtMs + graceMs - 1))).toBe('not-yet-seen:check-in');
        expect(codeOf(at(uploadedAtMs + graceMs))).toBe('PER_TRANSACTION_CAP_EXCEEDED');
      });

      it('waits when the deciding clock is behind the uploading one', () => {
        expect(codeOf(at(uploadedAtMs - 5_000))).toBe('not-yet-seen:check-in');
      });

      it('waits when only an expired credential is known (a newer check-in may be on its way)', () => {
        expect(codeOf(at(uploadedAtMs, { checkIns: [checkInAt(approvedAtMs - 2 * dayMs)] }))).toBe(
          'not-yet-seen:check-in',
        );
      });

      it('does not wait when a credential is in force: its caps decide at once', () => {
        expect(
          codeOf(
            validInput(
              { amount: 5001n },
              { uploadedAtMs, decidedAtMs: uploadedAtMs, checkInProjectionGraceMs: graceMs },
            ),
          ),
        ).toBe('PER_TRANSACTION_CAP_EXCEEDED');
        expect(
          codeOf(
            validInput(
              { currency: 'CHF' },
              { uploadedAtMs, decidedAtMs: uploadedAtMs, checkInProjectionGraceMs: graceMs },
            ),
          ),
        ).toBe('PER_TRANSACTION_CAP_EXCEEDED');
        expect(
          codeOf(
            validInput(
              {},
              { uploadedAtMs, decidedAtMs: uploadedAtMs, checkInProjectionGraceMs: graceMs },
            ),
          ),
        ).toBe('verified');
      });

      it('does not wait when an earlier rule already rejects', () => {
        expect(codeOf(at(uploadedAtMs, { counterUsedBy: 'txn_first' }))).toBe('COUNTER_REUSED');
      });

      it('never waits with a grace of zero', () => {
        expect(codeOf(at(uploadedAtMs, { checkInProjectionGraceMs: 0 }))).toBe(
          'PER_TRANSACTION_CAP_EXCEEDED',
        );
      });
    });

    it('uses the caps of the check-in in force, not the latest one', () => {
      const checkIns = [
        checkInAt(approvedAtMs - hourMs, [
          { currency: 'EUR', perTransactionMax: 1000n, cumulativeMax: 15000n },
        ]),
        checkInAt(approvedAtMs + hourMs),
      ];
      expect(codeOf(validInput({ amount: 1250n }, { checkIns }))).toBe(
        'PER_TRANSACTION_CAP_EXCEEDED',
      );
    });
  });

  describe('rule 12: CUMULATIVE_CAP_EXCEEDED', () => {
    const window = approvedAtMs - hourMs;

    it('rejects when the spend in the check-in window and the amount exceed the cap, with a fraud signal', () => {
      const countedPayments = [
        { currency: 'EUR', amount: 5000n, approvedAtMs: window },
        { currency: 'EUR', amount: 5000n, approvedAtMs: approvedAtMs + minuteMs },
      ];
      expect(decideVerifyPayment(validInput({ amount: 5000n }, { countedPayments }))).toMatchObject(
        { verdict: 'verified' },
      );
      expect(
        decideVerifyPayment(
          validInput(
            { amount: 5001n },
            {
              countedPayments,
              checkIns: [
                checkInAt(window, [
                  { currency: 'EUR', perTransactionMax: 6000n, cumulativeMax: 15000n },
                ]),
              ],
            },
          ),
        ),
      ).toEqual({
        verdict: 'rejected',
        reasonCode: 'CUMULATIVE_CAP_EXCEEDED',
        fraudSignal: {
          kind: 'CUMULATIVE_CAP_EXCEEDED',
          subject: { kind: 'device', id: deviceId },
          details: { currency: 'EUR', cumulativeMax: '15000', spent: '10000', amount: '5001' },
        },
      });
    });

    it('counts only the window [check-in, next check-in) and the currency', () => {
      const countedPayments = [
        { currency: 'EUR', amount: 14000n, approvedAtMs: window - 1 },
        { currency: 'CHF', amount: 14000n, approvedAtMs: window + 1 },
        { currency: 'EUR', amount: 14000n, approvedAtMs: approvedAtMs + hourMs },
      ];
      const checkIns = [checkInAt(window), checkInAt(approvedAtMs + hourMs)];
      expect(codeOf(validInput({ amount: 1250n }, { countedPayments, checkIns }))).toBe('verified');
      expect(
        codeOf(
          validInput(
            { amount: 1250n },
            {
              countedPayments: [{ currency: 'EUR', amount: 14000n, approvedAtMs: window }],
              checkIns,
            },
          ),
        ),
      ).toBe('CUMULATIVE_CAP_EXCEEDED');
    });

    it('rejects while the offline capability was suspended at the approval, and not after it was enabled again', () => {
      const suspended = [
        { changedAtMs: approvedAtMs - minuteMs, capability: 'suspended' as const },
      ];
      expect(decideVerifyPayment(validInput({}, { capabilityChanges: suspended }))).toMatchObject({
        reasonCode: 'CUMULATIVE_CAP_EXCEEDED',
        fraudSignal: {
          kind: 'CUMULATIVE_CAP_EXCEEDED',
          details: { offlineCapability: 'suspended' },
        },
      });
      const enabledAgain = [
        ...suspended,
        { changedAtMs: approvedAtMs, capability: 'enabled' as const },
      ];
      expect(codeOf(validInput({}, { capabilityChanges: enabledAgain }))).toBe('verified');
    });
  });

  describe('precedence: a transaction failing two rules gets the earlier code', () => {
    const revoked = verificationKey(consumer, deviceOwner, [
      { state: 'active', atMs: approvedAtMs - dayMs },
      { state: 'revoked', atMs: approvedAtMs - minuteMs, reason: 'compromised' },
    ]);
    const pending = verificationKey(consumer, deviceOwner, [
      { state: 'pending', atMs: approvedAtMs - dayMs },
    ]);
    const pendingThenCompromised = verificationKey(consumer, deviceOwner, [
      { state: 'pending', atMs: approvedAtMs - dayMs },
      { state: 'revoked', atMs: approvedAtMs - minuteMs, reason: 'compromised' },
    ]);
    const otherTerminal = verificationKey(terminal, { kind: 'terminal', id: 'ter_other' });
    const expired = { createdAtMs: approvedAtMs - 120_000, expiresAtMs: approvedAtMs - 1 };
    const late = { uploadedAtMs: approvedAtMs + 31 * dayMs };
    const cases: Array<[string, string, () => VerifyPaymentInput]> = [
      [
        'KEY_UNKNOWN',
        'SIGNATURE_INVALID',
        () =>
          withTamperedAmount(
            validInput({}, { terminalKey: verificationKey(terminal, deviceOwner) }),
            1n,
          ),
      ],
      [
        'SIGNATURE_INVALID',
        'KEY_NOT_ATTESTED',
        () => withTamperedAmount(validInput({}, { consumerKey: pending }), 1n),
      ],
      [
        'KEY_NOT_ATTESTED',
        'KEY_COMPROMISED',
        () => validInput({}, { consumerKey: pendingThenCompromised }),
      ],
      ['KEY_COMPROMISED', 'KEY_NOT_ACTIVE', () => validInput({}, { consumerKey: revoked })],
      [
        'KEY_NOT_ACTIVE',
        'MERCHANT_MISMATCH',
        () =>
          validInput(
            {},
            {
              consumerKey: verificationKey(consumer, deviceOwner, [
                { state: 'active', atMs: approvedAtMs + 1 },
              ]),
              terminalMerchantId: 'mer_other',
            },
          ),
      ],
      [
        'MERCHANT_MISMATCH',
        'TERMINAL_MISMATCH',
        () => validInput({}, { terminalMerchantId: 'mer_other', terminalKey: otherTerminal }),
      ],
      [
        'TERMINAL_MISMATCH',
        'REQUEST_EXPIRED',
        () => validInput(expired, { terminalKey: otherTerminal }),
      ],
      ['REQUEST_EXPIRED', 'PRESENTMENT_WINDOW_EXCEEDED', () => validInput(expired, late)],
      [
        'PRESENTMENT_WINDOW_EXCEEDED',
        'COUNTER_REUSED',
        () => validInput({}, { ...late, counterUsedBy: 'txn_first' }),
      ],
      [
        'COUNTER_REUSED',
        'PER_TRANSACTION_CAP_EXCEEDED',
        () => validInput({ amount: 9000n }, { counterUsedBy: 'txn_first' }),
      ],
      [
        'PER_TRANSACTION_CAP_EXCEEDED',
        'CUMULATIVE_CAP_EXCEEDED',
        () =>
          validInput(
            { amount: 9000n },
            { capabilityChanges: [{ changedAtMs: 0, capability: 'suspended' }] },
          ),
      ],
    ];

    it('covers every adjacent pair of the precedence', () => {
      expect(cases.map(([first, second]) => [first, second])).toEqual(
        verificationRulePrecedence
          .slice(0, -1)
          .map((code, index) => [code, verificationRulePrecedence[index + 1]]),
      );
    });

    it.each(cases)('%s before %s', (first, _second, input) => {
      expect(codeOf(input())).toBe(first);
    });
  });

  it('refuses an input breaking its shape (a programmer error, not a verdict)', () => {
    expect(() => decideVerifyPayment(validInput({}, { presentmentWindowMs: 0 }))).toThrow(
      VerificationInvariantError,
    );
    expect(() => decideVerifyPayment(validInput({}, { checkInProjectionGraceMs: -1 }))).toThrow(
      VerificationInvariantError,
    );
    expect(() => decideVerifyPayment(validInput({}, { decidedAtMs: Number.NaN }))).toThrow(
      VerificationInvariantError,
    );
  });
});

describe('key history at a time', () => {
  const history = keyHistory([
    { state: 'pending', atMs: 1_000 },
    { state: 'active', atMs: 2_000 },
    { state: 'revoked', atMs: 3_000, reason: 'compromised' },
  ]);

  it('takes validFrom as inclusive and validTo as exclusive', () => {
    expect(
      [999, 1_000, 1_999, 2_000, 2_999, 3_000, 9_999].map((atMs) => keyStateAt(history, atMs)),
    ).toEqual([null, 'pending', 'pending', 'active', 'active', 'revoked', 'revoked']);
  });

  it('finds the compromise', () => {
    expect(compromisedSinceMs(history)).toBe(3_000);
    expect(
      compromisedSinceMs(
        history
          .slice(0, 2)
          .map((period, index) => (index === 1 ? { ...period, validTo: null } : period)),
      ),
    ).toBeNull();
  });
});

describe('check-ins and capability at a time', () => {
  const checkIns = [checkInAt(1_000), checkInAt(5_000)];

  it('the last check-in strictly before an instant', () => {
    expect(
      [1_000, 1_001, 5_000, 5_001].map(
        (atMs) => lastCheckInBefore(checkIns, atMs)?.checkedInAtMs ?? null,
      ),
    ).toEqual([null, 1_000, 1_000, 5_000]);
  });

  it('the window in force: from a check-in (inclusive) to the next (exclusive), none once expired', () => {
    expect(checkInWindowAt(checkIns, 999)).toBeNull();
    expect(checkInWindowAt(checkIns, 1_000)).toMatchObject({ startMs: 1_000, endMs: 5_000 });
    expect(checkInWindowAt(checkIns, 5_000)).toMatchObject({ startMs: 5_000, endMs: null });
    expect(checkInWindowAt(checkIns, 5_000 + dayMs)).toBeNull();
  });

  it('spend counts the window’s payments in the currency', () => {
    const window = checkInWindowAt(checkIns, 1_000)!;
    const payments = [
      { currency: 'EUR', amount: 1n, approvedAtMs: 999 },
      { currency: 'EUR', amount: 10n, approvedAtMs: 1_000 },
      { currency: 'EUR', amount: 100n, approvedAtMs: 4_999 },
      { currency: 'EUR', amount: 1_000n, approvedAtMs: 5_000 },
      { currency: 'CHF', amount: 10_000n, approvedAtMs: 2_000 },
    ];
    expect(spendInWindow(payments, 'EUR', window)).toBe(110n);
  });

  it('capability: enabled until a change, the change effective at its instant', () => {
    const changes = [{ changedAtMs: 2_000, capability: 'suspended' as const }];
    expect([1_999, 2_000].map((atMs) => capabilityAt(changes, atMs))).toEqual([
      'enabled',
      'suspended',
    ]);
  });
});

it('fixtures: the default transaction names the fixture merchant and terminal and verifies', () => {
  const { transaction } = signedTransaction();
  expect(transaction.request).toMatchObject({ merchantId, terminalId });
  expect(protocolPublicKey(consumer.publicJwk).alg).toBe('ES256');
});
