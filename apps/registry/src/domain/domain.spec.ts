import { keyHistoryEntriesMax, type OfflineLimitV1 } from '@settle/contracts';
import { addMs, checkChallenge, type ChallengeRecord, formatChallenge } from './challenge';
import { compareWithExisting } from './idempotent-create';
import {
  decideIssueChallenge,
  decideRevokeEnrolmentCode,
  type EnrolmentCodeRecord,
  formatEnrolmentCode,
  hashEnrolmentCode,
} from './enrolment-code';
import {
  decideKeyTransition,
  type KeyHistory,
  registeredKeyHistory,
  wasActiveAt,
} from './key-lifecycle';
import {
  decideApproval,
  decideOffline,
  enrolledOfflineState,
  limitsNeedSecondOperator,
  limitsProblem,
  offlineCommandForKeyChange,
} from './offline-capability';

const t0 = '2026-03-01T10:00:00.000Z';
const t1 = '2026-03-01T11:00:00.000Z';
const t2 = '2026-03-01T12:00:00.000Z';
const t3 = '2026-03-01T13:00:00.000Z';

function apply(
  history: KeyHistory,
  ...steps: Array<[Parameters<typeof decideKeyTransition>[1], string]>
): KeyHistory {
  for (const [command, at] of steps) {
    const result = decideKeyTransition(history, command, at);
    if (result.outcome === 'refused') throw new Error(result.code);
    history = result.history;
  }
  return history;
}

describe('key lifecycle', () => {
  it('records a validity interval for every change and answers wasActiveAt', () => {
    const history = apply(
      registeredKeyHistory(t0),
      [{ kind: 'accept-attestation' }, t1],
      [{ kind: 'suspend', reason: 'operator-action' }, t2],
      [{ kind: 'reactivate' }, t3],
    );
    expect(history).toEqual([
      { state: 'pending', reason: null, validFrom: t0, validTo: t1 },
      { state: 'active', reason: null, validFrom: t1, validTo: t2 },
      { state: 'suspended', reason: 'operator-action', validFrom: t2, validTo: t3 },
      { state: 'active', reason: null, validFrom: t3, validTo: null },
    ]);
    expect(wasActiveAt(history, t0)).toBe(false);
    expect(wasActiveAt(history, t1)).toBe(true);
    expect(wasActiveAt(history, '2026-03-01T11:59:59.999Z')).toBe(true);
    expect(wasActiveAt(history, t2)).toBe(false);
    expect(wasActiveAt(history, '2030-01-01T00:00:00.000Z')).toBe(true);
  });

  it('rejects a pending key with a reason, and a rejected key stays rejected', () => {
    const history = apply(registeredKeyHistory(t0), [{ kind: 'reject-attestation' }, t1]);
    expect(history[1]).toEqual({
      state: 'rejected',
      reason: 'attestation-rejected',
      validFrom: t1,
      validTo: null,
    });
    expect(decideKeyTransition(history, { kind: 'accept-attestation' }, t2)).toEqual({
      outcome: 'refused',
      code: 'KEY_STATE_FINAL',
      state: 'rejected',
    });
    expect(decideKeyTransition(history, { kind: 'reject-attestation' }, t2)).toMatchObject({
      outcome: 'refused',
      code: 'KEY_STATE_FINAL',
    });
  });

  it('revokes (compromised) as a final state; revoking again changes nothing', () => {
    const history = apply(
      registeredKeyHistory(t0),
      [{ kind: 'accept-attestation' }, t1],
      [{ kind: 'revoke', reason: 'compromised' }, t2],
    );
    expect(history[2]).toEqual({
      state: 'revoked',
      reason: 'compromised',
      validFrom: t2,
      validTo: null,
    });
    expect(decideKeyTransition(history, { kind: 'revoke', reason: 'device-lost' }, t3)).toEqual({
      outcome: 'unchanged',
      history,
    });
    expect(decideKeyTransition(history, { kind: 'reactivate' }, t3)).toMatchObject({
      outcome: 'refused',
      code: 'KEY_STATE_FINAL',
    });
  });

  it('can still rotate and revoke a key with a long history of suspensions (issue 13 §3)', () => {
    /** Suspends and reactivates until the history refuses, a minute apart. */
    const suspendedAndReactivated = (): { history: KeyHistory; refusal: unknown } => {
      let history = apply(registeredKeyHistory(t0), [{ kind: 'accept-attestation' }, t1]);
      for (let minute = 1; ; minute += 1) {
        const command =
          minute % 2 === 1
            ? ({ kind: 'suspend', reason: 'operator-action' } as const)
            : ({ kind: 'reactivate' } as const);
        const result = decideKeyTransition(history, command, addMs(t1, minute * 60_000));
        if (result.outcome !== 'changed') return { history, refusal: result };
        history = result.history;
      }
    };
    const { history, refusal } = suspendedAndReactivated();
    expect(refusal).toMatchObject({ outcome: 'refused', code: 'KEY_HISTORY_FULL' });
    expect(history).toHaveLength(keyHistoryEntriesMax - 2);
    const late = '2026-03-02T10:00:00.000Z';
    // Found compromised: revoked straight away, whatever its state.
    expect(
      decideKeyTransition(history, { kind: 'revoke', reason: 'compromised' }, late),
    ).toMatchObject({ outcome: 'changed', history: { length: keyHistoryEntriesMax - 1 } });
    // Replaced by a new key, then found compromised: rotated, and still revocable in the last period.
    const rotated = apply(history, [{ kind: 'rotate' }, late]);
    const revoked = apply(rotated, [{ kind: 'revoke', reason: 'compromised' }, addMs(late, 1)]);
    expect(revoked).toHaveLength(keyHistoryEntriesMax);
    expect(revoked.at(-1)).toMatchObject({
      state: 'revoked',
      reason: 'compromised',
      validTo: null,
    });
  });

  it('keeps a rotated key in history, still revocable', () => {
    const history = apply(
      registeredKeyHistory(t0),
      [{ kind: 'accept-attestation' }, t1],
      [{ kind: 'rotate' }, t2],
    );
    expect(history[2]).toMatchObject({ state: 'rotated', reason: 'superseded' });
    expect(decideKeyTransition(history, { kind: 'reactivate' }, t3)).toMatchObject({
      outcome: 'refused',
      code: 'TRANSITION_NOT_ALLOWED',
    });
    expect(
      decideKeyTransition(history, { kind: 'revoke', reason: 'compromised' }, t3),
    ).toMatchObject({ outcome: 'changed' });
  });

  it('is idempotent for a repeated command and never dates a change before the period it closes', () => {
    const active = apply(registeredKeyHistory(t1), [{ kind: 'accept-attestation' }, t2]);
    expect(decideKeyTransition(active, { kind: 'accept-attestation' }, t3)).toEqual({
      outcome: 'unchanged',
      history: active,
    });
    expect(
      decideKeyTransition(active, { kind: 'suspend', reason: 'operator-action' }, t0),
    ).toMatchObject({ outcome: 'changed', history: [{}, { validTo: t2 }, { validFrom: t2 }] });
  });
});

describe('enrolment codes and challenges', () => {
  const code = formatEnrolmentCode(new Uint8Array(16).fill(7));
  const record: EnrolmentCodeRecord = {
    codeHash: hashEnrolmentCode(code),
    subject: { kind: 'device', id: 'dev_1' },
    expiresAt: t2,
    consumedAt: null,
    revokedAt: null,
    challengesIssued: 0,
  };

  it('stores only a hash and refuses unknown, expired, used and over-used codes', () => {
    expect(record.codeHash).toMatch(/^[0-9a-f]{64}$/);
    expect(record.codeHash).not.toContain(code);
    expect(decideIssueChallenge(record, t1, 5)).toEqual({ ok: true });
    expect(decideIssueChallenge(null, t1, 5)).toEqual({
      ok: false,
      code: 'ENROLMENT_CODE_UNKNOWN',
    });
    expect(decideIssueChallenge(record, t2, 5)).toEqual({
      ok: false,
      code: 'ENROLMENT_CODE_EXPIRED',
    });
    expect(decideIssueChallenge({ ...record, consumedAt: t1 }, t1, 5)).toEqual({
      ok: false,
      code: 'ENROLMENT_CODE_USED',
    });
    expect(decideIssueChallenge({ ...record, challengesIssued: 5 }, t1, 5)).toEqual({
      ok: false,
      code: 'CHALLENGE_LIMIT_REACHED',
    });
    expect(decideIssueChallenge({ ...record, revokedAt: t1 }, t1, 5)).toEqual({
      ok: false,
      code: 'ENROLMENT_CODE_REVOKED',
    });
  });

  it('revokes an unused code once, and never a used one', () => {
    expect(decideRevokeEnrolmentCode(record)).toEqual({ outcome: 'revoked' });
    expect(decideRevokeEnrolmentCode({ ...record, revokedAt: t1 })).toEqual({
      outcome: 'unchanged',
    });
    expect(decideRevokeEnrolmentCode({ ...record, consumedAt: t1 })).toEqual({
      outcome: 'refused',
      code: 'ENROLMENT_CODE_USED',
    });
  });

  it('accepts a challenge once, before expiry, with its own code', () => {
    const challenge: ChallengeRecord = {
      challenge: formatChallenge(new Uint8Array(32).fill(1)),
      codeHash: record.codeHash,
      owner: { kind: 'device', id: 'dev_1' },
      expiresAt: addMs(t1, 300_000),
      consumedAt: null,
    };
    expect(challenge.challenge).toHaveLength(43);
    expect(checkChallenge(challenge, record.codeHash, t1)).toEqual({ ok: true });
    expect(checkChallenge(challenge, hashEnrolmentCode('other'), t1)).toEqual({
      ok: false,
      code: 'CHALLENGE_NOT_FOR_CODE',
    });
    expect(checkChallenge({ ...challenge, consumedAt: t1 }, record.codeHash, t1)).toEqual({
      ok: false,
      code: 'CHALLENGE_USED',
    });
    expect(checkChallenge(challenge, record.codeHash, addMs(t1, 300_000))).toEqual({
      ok: false,
      code: 'CHALLENGE_EXPIRED',
    });
    expect(checkChallenge(null, record.codeHash, t1)).toEqual({
      ok: false,
      code: 'CHALLENGE_UNKNOWN',
    });
  });
});

describe('offline capability', () => {
  const limits: OfflineLimitV1[] = [
    { currency: 'USD', perTransactionMax: '500', cumulativeMax: '2000' },
    { currency: 'EUR', perTransactionMax: '1000', cumulativeMax: '5000' },
  ];

  it('keeps overdraft and operator suspensions apart', () => {
    const enrolled = enrolledOfflineState(t0);
    const overdrawn = decideOffline(enrolled, { kind: 'account-overdrawn' });
    expect(overdrawn).toMatchObject({
      outcome: 'changed',
      capability: 'suspended',
      reason: 'account-overdrawn',
    });
    if (overdrawn.outcome !== 'changed') throw new Error('changed');
    expect(decideOffline(overdrawn.state, { kind: 'account-overdrawn' })).toEqual({
      outcome: 'unchanged',
    });
    const operator = decideOffline(overdrawn.state, {
      kind: 'set-operator-capability',
      capability: 'suspended',
    });
    if (operator.outcome !== 'changed') throw new Error('changed');
    expect(decideOffline(operator.state, { kind: 'account-back-in-funds' })).toMatchObject({
      outcome: 'changed',
      capability: 'suspended',
      reason: 'account-back-in-funds',
    });
    expect(decideOffline(overdrawn.state, { kind: 'account-back-in-funds' })).toMatchObject({
      outcome: 'changed',
      capability: 'enabled',
    });
  });

  it('suspends for a device’s payment key only, and lifts that on reactivation or re-enrolment', () => {
    const device = { owner: { kind: 'device' as const, id: 'dev_1' }, purpose: 'payment' as const };
    expect(
      offlineCommandForKeyChange({ ...device, purpose: 'binding' }, 'revoked', 'active'),
    ).toBeNull();
    expect(
      offlineCommandForKeyChange(
        { ...device, owner: { kind: 'terminal', id: 'ter_1' } },
        'revoked',
        'active',
      ),
    ).toBeNull();
    expect(offlineCommandForKeyChange(device, 'rotated', 'active')).toBeNull();
    // Revoking a key not in use (a pending successor, a rotated predecessor) leaves the working key's device alone.
    expect(offlineCommandForKeyChange(device, 'revoked', 'pending')).toBeNull();
    expect(offlineCommandForKeyChange(device, 'revoked', 'rotated')).toBeNull();
    const suspended = decideOffline(
      enrolledOfflineState(t0),
      offlineCommandForKeyChange(device, 'suspended', 'active')!,
    );
    expect(suspended).toMatchObject({
      outcome: 'changed',
      capability: 'suspended',
      reason: 'key-suspended',
    });
    if (suspended.outcome !== 'changed') throw new Error('changed');
    // Already suspended for its key: revoking it changes nothing about the device's offline state.
    expect(
      decideOffline(suspended.state, offlineCommandForKeyChange(device, 'revoked', 'suspended')!),
    ).toEqual({ outcome: 'unchanged' });
    expect(
      decideOffline(
        enrolledOfflineState(t0),
        offlineCommandForKeyChange(device, 'revoked', 'active')!,
      ),
    ).toMatchObject({ outcome: 'changed', capability: 'suspended', reason: 'key-revoked' });
    expect(decideOffline(suspended.state, { kind: 'account-back-in-funds' })).toEqual({
      outcome: 'unchanged',
    });
    expect(
      decideOffline(suspended.state, { kind: 'payment-key-restored', reason: 'enrolled' }),
    ).toMatchObject({ outcome: 'changed', capability: 'enabled', reason: 'enrolled' });
  });

  it('sorts limits by currency, checks them, and asks for a second operator above the threshold', () => {
    const changed = decideOffline(enrolledOfflineState(t0), { kind: 'set-limits', limits });
    expect(changed).toMatchObject({
      outcome: 'changed',
      reason: 'limits-changed',
      state: { limits: [{ currency: 'EUR' }, { currency: 'USD' }] },
    });
    expect(limitsProblem([...limits, limits[0]!])).toMatchObject({ index: 2, field: 'currency' });
    expect(
      limitsProblem([{ currency: 'EUR', perTransactionMax: '2', cumulativeMax: '1' }]),
    ).toMatchObject({ field: 'perTransactionMax' });
    expect(limitsNeedSecondOperator(limits, 5000n)).toBe(false);
    expect(limitsNeedSecondOperator(limits, 4999n)).toBe(true);
    expect(decideApproval({ requestedBy: 'alice', decidedAt: null }, 'alice')).toEqual({
      ok: false,
      code: 'SECOND_OPERATOR_REQUIRED',
    });
    expect(decideApproval({ requestedBy: 'alice', decidedAt: t1 }, 'bob')).toEqual({
      ok: false,
      code: 'CHANGE_ALREADY_DECIDED',
    });
    expect(decideApproval({ requestedBy: 'alice', decidedAt: null }, 'bob')).toEqual({ ok: true });
  });
});

describe('creation by business key', () => {
  it('creates, finds the same, or finds a conflict', () => {
    const request = { accountId: 'acc_1', currency: 'EUR' };
    expect(compareWithExisting(null, request)).toBe('create');
    expect(compareWithExisting({ accountId: 'acc_1', currency: 'EUR' }, request)).toBe('duplicate');
    expect(compareWithExisting({ accountId: 'acc_1', currency: 'USD' }, request)).toBe('conflict');
  });
});
