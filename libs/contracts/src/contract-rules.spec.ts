import { decodeEvent } from './index';
import { readEventFixture } from './testing';

type Payload = Record<string, unknown>;

/** The golden fixture of `type` v1 with its payload changed (the key follows the payload where the change touches it). */
function decodeWith(type: string, change: (payload: Payload) => Payload) {
  const fixture = readEventFixture(type, 1) as { payload: Payload };
  return decodeEvent({ ...fixture, payload: change(fixture.payload) });
}

function rejection(field: string) {
  return { ok: false, code: 'SCHEMA_VIOLATION', field };
}

describe('rules beyond the shape', () => {
  it('ledger.entry-posted: debits equal credits per currency', () => {
    const result = decodeWith('ledger.entry-posted', (payload) => ({
      ...payload,
      postings: [
        { accountId: 'wallet_a', side: 'debit', amount: '1250', currency: 'EUR' },
        { accountId: 'payable_m', side: 'credit', amount: '1249', currency: 'EUR' },
      ],
    }));
    expect(result).toMatchObject(rejection('/payload/postings'));
    const mixed = decodeWith('ledger.entry-posted', (payload) => ({
      ...payload,
      postings: [
        { accountId: 'wallet_a', side: 'debit', amount: '100', currency: 'EUR' },
        { accountId: 'payable_m', side: 'credit', amount: '100', currency: 'CHF' },
      ],
    }));
    expect(mixed).toMatchObject(rejection('/payload/postings'));
  });

  it('ledger.entry-posted: at least two postings, no zero amount, links required by the kind', () => {
    const one = decodeWith('ledger.entry-posted', (payload) => ({
      ...payload,
      postings: [(payload.postings as unknown[])[0]],
    }));
    expect(one).toMatchObject(rejection('/payload/postings'));
    const zero = decodeWith('ledger.entry-posted', (payload) => ({
      ...payload,
      postings: [
        { accountId: 'wallet_a', side: 'debit', amount: '0', currency: 'EUR' },
        { accountId: 'payable_m', side: 'credit', amount: '0', currency: 'EUR' },
      ],
    }));
    expect(zero).toMatchObject(rejection('/payload/postings/0/amount'));
    expect(
      decodeWith('ledger.entry-posted', (payload) => ({ ...payload, kind: 'refund' })),
    ).toMatchObject(rejection('/payload/originalEntryId'));
    expect(
      decodeWith('ledger.entry-posted', (payload) => ({ ...payload, transactionId: null })),
    ).toMatchObject(rejection('/payload/transactionId'));
    expect(
      decodeWith('ledger.entry-posted', (payload) => ({ ...payload, hash: 'AB'.repeat(32) })),
    ).toMatchObject(rejection('/payload/hash'));
  });

  it('payment.settled: amount = fee + merchantAmount', () => {
    expect(decodeWith('payment.settled', (payload) => ({ ...payload, fee: '19' }))).toMatchObject(
      rejection('/payload/merchantAmount'),
    );
  });

  it('account.overdrawn carries a negative balance, account.back-in-funds a non-negative one', () => {
    expect(
      decodeWith('account.overdrawn', (payload) => ({ ...payload, balance: '730' })),
    ).toMatchObject(rejection('/payload/balance'));
    expect(
      decodeWith('account.overdrawn', (payload) => ({ ...payload, balance: '-0' })),
    ).toMatchObject(rejection('/payload/balance'));
    expect(
      decodeWith('account.back-in-funds', (payload) => ({ ...payload, balance: '-1' })),
    ).toMatchObject(rejection('/payload/balance'));
    expect(
      decodeWith('account.back-in-funds', (payload) => ({ ...payload, balance: '0' })).ok,
    ).toBe(true);
  });

  it('key.lifecycle-changed: the history is contiguous, ends open, and ends in the current state', () => {
    const history = (payload: Payload) =>
      structuredClone(payload.history) as Record<string, unknown>[];
    const gap = decodeWith('key.lifecycle-changed', (payload) => {
      const periods = history(payload);
      periods[1]!.validTo = '2026-11-18T22:09:59.999Z';
      return { ...payload, history: periods };
    });
    expect(gap).toMatchObject(rejection('/payload/history/1/validTo'));
    const stillOpen = decodeWith('key.lifecycle-changed', (payload) => {
      const periods = history(payload);
      periods[3]!.validTo = '2026-11-21T00:00:00.000Z';
      return { ...payload, history: periods };
    });
    expect(stillOpen).toMatchObject(rejection('/payload/history/3/validTo'));
    expect(
      decodeWith('key.lifecycle-changed', (payload) => ({ ...payload, state: 'suspended' })),
    ).toMatchObject(rejection('/payload/state'));
    expect(
      decodeWith('key.lifecycle-changed', (payload) => ({ ...payload, history: [] })),
    ).toMatchObject(rejection('/payload/history'));
  });

  it('key.lifecycle-changed: revoked is final, a rotated key can still be revoked as compromised', () => {
    const periods = (states: string[]) =>
      states.map((state, index) => ({
        state,
        reason: state === 'revoked' ? 'compromised' : null,
        validFrom: `2026-11-0${index + 1}T00:00:00.000Z`,
        validTo: index + 1 < states.length ? `2026-11-0${index + 2}T00:00:00.000Z` : null,
      }));
    const rotatedThenRevoked = decodeWith('key.lifecycle-changed', (payload) => ({
      ...payload,
      state: 'revoked',
      history: periods(['pending', 'active', 'rotated', 'revoked']),
    }));
    expect(rotatedThenRevoked.ok).toBe(true);
    const revivedAfterRevocation = decodeWith('key.lifecycle-changed', (payload) => ({
      ...payload,
      state: 'active',
      history: periods(['pending', 'active', 'revoked', 'active']),
    }));
    expect(revivedAfterRevocation).toMatchObject(rejection('/payload/history/2/state'));
  });

  it('public keys: no private member, the algorithm matches the key type, binding keys are ES256', () => {
    const withPrivate = decodeWith('key.lifecycle-changed', (payload) => ({
      ...payload,
      publicKeyJwk: { ...(payload.publicKeyJwk as Payload), d: 'x'.repeat(43) },
    }));
    expect(withPrivate).toMatchObject(rejection('/payload/publicKeyJwk/d'));
    const rsa = decodeWith('attestation.requested', (payload) => ({
      ...payload,
      publicKeyJwk: { kty: 'RSA', n: 'x', e: 'AQAB' },
    }));
    expect(rsa).toMatchObject(rejection('/payload/publicKeyJwk/kty'));
    const okp = { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' };
    expect(
      decodeWith('key.lifecycle-changed', (payload) => ({ ...payload, publicKeyJwk: okp })),
    ).toMatchObject(rejection('/payload/publicKeyJwk/kty'));
    const edBinding = decodeWith('key.lifecycle-changed', (payload) => ({
      ...payload,
      algorithm: 'EdDSA',
      publicKeyJwk: okp,
      purpose: 'binding',
    }));
    expect(edBinding).toMatchObject(rejection('/payload/algorithm'));
    const edPayment = decodeWith('key.lifecycle-changed', (payload) => ({
      ...payload,
      algorithm: 'EdDSA',
      publicKeyJwk: okp,
    }));
    expect(edPayment.ok).toBe(true);
  });

  it('key ids are canonical 43-character base64url thumbprints', () => {
    const fixture = readEventFixture('key.lifecycle-changed', 1) as { payload: Payload };
    for (const keyId of ['abc', `${'A'.repeat(42)}B`, `${'A'.repeat(43)}=`, `${'A'.repeat(42)}+`]) {
      expect(
        decodeEvent({ ...fixture, key: keyId, payload: { ...fixture.payload, keyId } }),
      ).toMatchObject(rejection('/payload/keyId'));
    }
  });

  it('attestation.requested: evidence is required except for format none, and bounded', () => {
    expect(
      decodeWith('attestation.requested', (payload) => ({ ...payload, evidence: '' })),
    ).toMatchObject(rejection('/payload/evidence'));
    expect(
      decodeWith('attestation.requested', (payload) => ({ ...payload, format: 'none' })),
    ).toMatchObject(rejection('/payload/evidence'));
    expect(
      decodeWith('attestation.requested', (payload) => ({
        ...payload,
        format: 'none',
        evidence: '',
      })).ok,
    ).toBe(true);
    expect(
      decodeWith('attestation.requested', (payload) => ({
        ...payload,
        evidence: 'A'.repeat(87_383),
      })),
    ).toMatchObject(rejection('/payload/evidence'));
    expect(
      decodeWith('attestation.requested', (payload) => ({ ...payload, challenge: 'c2hvcnQ' })),
    ).toMatchObject(rejection('/payload/challenge'));
  });

  it('attestation.completed: accepted has a level and no reason, rejected has a reason', () => {
    expect(
      decodeWith('attestation.completed', (payload) => ({ ...payload, verdict: 'rejected' })),
    ).toMatchObject(rejection('/payload/reasonCode'));
    expect(
      decodeWith('attestation.completed', (payload) => ({
        ...payload,
        reasonCode: 'ROOT_NOT_TRUSTED',
      })),
    ).toMatchObject(rejection('/payload/reasonCode'));
    expect(
      decodeWith('attestation.completed', (payload) => ({ ...payload, level: null })),
    ).toMatchObject(rejection('/payload/level'));
    const rejected = decodeWith('attestation.completed', (payload) => ({
      ...payload,
      verdict: 'rejected',
      reasonCode: 'CHALLENGE_MISMATCH',
      level: null,
    }));
    expect(rejected.ok).toBe(true);
  });

  it('closed code sets: an unknown reason code is rejected', () => {
    expect(
      decodeWith('payment.rejected', (payload) => ({ ...payload, reasonCode: 'TOO_EXPENSIVE' })),
    ).toMatchObject(rejection('/payload/reasonCode'));
    expect(
      decodeWith('payment.settlement-failed', (payload) => ({ ...payload, reasonCode: 'OOPS' })),
    ).toMatchObject(rejection('/payload/reasonCode'));
    expect(
      decodeWith('session.ended', (payload) => ({ ...payload, reason: 'bored' })),
    ).toMatchObject(rejection('/payload/reason'));
  });

  it('device.offline-capability-changed: one limit per currency', () => {
    const limit = { currency: 'EUR', perTransactionMax: '5000', cumulativeMax: '15000' };
    expect(
      decodeWith('device.offline-capability-changed', (payload) => ({
        ...payload,
        limits: [limit, limit],
      })),
    ).toMatchObject(rejection('/payload/limits/1/currency'));
  });

  it('device.checked-in: check-ins in time order, ending at lastCheckInAt, caps as the credential has them', () => {
    type CheckIn = {
      checkedInAt: string;
      validUntil: string;
      offlineCaps: Array<Record<string, string>>;
    };
    const withHistory = (change: (history: CheckIn[]) => void) =>
      decodeWith('device.checked-in', (payload) => {
        const history = structuredClone(payload.history) as CheckIn[];
        change(history);
        return { ...payload, history };
      });
    expect(withHistory((history) => history.reverse())).toMatchObject(
      rejection('/payload/history/1/checkedInAt'),
    );
    expect(
      withHistory((history) => (history[1]!.validUntil = history[1]!.checkedInAt)),
    ).toMatchObject(rejection('/payload/history/1/validUntil'));
    expect(withHistory((history) => history[1]!.offlineCaps.reverse())).toMatchObject(
      rejection('/payload/history/1/offlineCaps/1/currency'),
    );
    expect(
      withHistory((history) => (history[0]!.offlineCaps[0]!.perTransactionMax = '15001')),
    ).toMatchObject(rejection('/payload/history/0/offlineCaps/0/perTransactionMax'));
    expect(
      withHistory((history) => (history[0]!.offlineCaps[0]!.cumulativeMax = '0')),
    ).toMatchObject(rejection('/payload/history/0/offlineCaps/0/cumulativeMax'));
    expect(withHistory((history) => history.pop())).toMatchObject(
      rejection('/payload/lastCheckInAt'),
    );
    expect(
      decodeWith('device.checked-in', (payload) => ({ ...payload, history: [] })),
    ).toMatchObject(rejection('/payload/history'));
  });

  it('session.started: expires after it starts', () => {
    expect(
      decodeWith('session.started', (payload) => ({ ...payload, expiresAt: payload.startedAt })),
    ).toMatchObject(rejection('/payload/expiresAt'));
  });

  it('fraud.signal-raised: details is a bounded map of strings', () => {
    const many = Object.fromEntries(Array.from({ length: 17 }, (_, index) => [`k${index}`, 'v']));
    expect(
      decodeWith('fraud.signal-raised', (payload) => ({ ...payload, details: many })),
    ).toMatchObject(rejection('/payload/details'));
    expect(
      decodeWith('fraud.signal-raised', (payload) => ({ ...payload, details: { 'bad key': 'v' } })),
    ).toMatchObject(rejection('/payload/details/bad key'));
    expect(
      decodeWith('fraud.signal-raised', (payload) => ({ ...payload, details: { count: 3 } })),
    ).toMatchObject(rejection('/payload/details/count'));
  });

  it('merchant.onboarded: display names cannot hide bidirectional overrides, time zones are IANA names', () => {
    expect(
      decodeWith('merchant.onboarded', (payload) => ({
        ...payload,
        displayName: 'Bank\u202Ekcab',
      })),
    ).toMatchObject(rejection('/payload/displayName'));
    expect(
      decodeWith('merchant.onboarded', (payload) => ({ ...payload, timeZone: '+01:00' })),
    ).toMatchObject(rejection('/payload/timeZone'));
    expect(
      decodeWith('merchant.onboarded', (payload) => ({
        ...payload,
        timeZone: 'America/Argentina/Buenos_Aires',
      })).ok,
    ).toBe(true);
  });
});
