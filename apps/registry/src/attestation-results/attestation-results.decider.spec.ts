import { type AttestationCompletedV1 } from '@settle/contracts';
import { registeredKeyHistory } from '../domain/key-lifecycle';
import { type KnownKey } from '../register-keys/register-keys.decider';
import { decideAttestationVerdict, retireReplacedKeys } from './attestation-results.decider';

const registeredAt = '2026-03-01T10:00:00.000Z';
const now = '2026-03-01T10:00:05.000Z';
const requestId = '7d9c1f2e-3a4b-4c5d-8e6f-0a1b2c3d4e5f';
const key = { history: registeredKeyHistory(registeredAt), attestationRequestId: requestId };
const accepted: AttestationCompletedV1 = {
  requestId,
  keyId: 'k'.repeat(43),
  verdict: 'accepted',
  reasonCode: null,
  level: 'tee',
  format: 'android-key',
  verifiedAt: now,
};

describe('decideAttestationVerdict', () => {
  it('activates a pending key on an accepted verdict, from the time it is applied', () => {
    expect(decideAttestationVerdict(key, accepted, now)).toEqual({
      outcome: 'changed',
      history: [
        { state: 'pending', reason: null, validFrom: registeredAt, validTo: now },
        { state: 'active', reason: null, validFrom: now, validTo: null },
      ],
    });
  });

  it('rejects it on a rejected verdict, with the reason attestation-rejected', () => {
    const rejected = {
      ...accepted,
      verdict: 'rejected' as const,
      reasonCode: 'ROOT_NOT_TRUSTED' as const,
      level: null,
    };
    expect(decideAttestationVerdict(key, rejected, now)).toMatchObject({
      outcome: 'changed',
      history: [{}, { state: 'rejected', reason: 'attestation-rejected' }],
    });
  });

  it('ignores a redelivered verdict or one for a key that moved on, and refuses another request’s verdict', () => {
    const applied = decideAttestationVerdict(key, accepted, now);
    if (applied.outcome !== 'changed') throw new Error('changed');
    expect(decideAttestationVerdict({ ...key, history: applied.history }, accepted, now)).toEqual({
      outcome: 'ignored',
    });
    const revoked = [
      { state: 'pending' as const, reason: null, validFrom: registeredAt, validTo: now },
      { state: 'revoked' as const, reason: 'superseded' as const, validFrom: now, validTo: null },
    ];
    expect(decideAttestationVerdict({ ...key, history: revoked }, accepted, now)).toEqual({
      outcome: 'ignored',
    });
    expect(
      decideAttestationVerdict(
        key,
        { ...accepted, requestId: '00000000-0000-4000-8000-000000000000' },
        now,
      ),
    ).toEqual({ outcome: 'request-mismatch' });
  });
});

describe('retireReplacedKeys', () => {
  const owner = { kind: 'device' as const, id: 'dev_1' };
  const jwk = { kty: 'EC' as const, crv: 'P-256' as const, x: 'x'.repeat(43), y: 'y'.repeat(43) };
  const inUse = (keyId: string, state: 'active' | 'suspended'): KnownKey => ({
    keyId,
    owner,
    purpose: 'payment',
    algorithm: 'ES256',
    publicKeyJwk: jwk,
    challenge: 'c'.repeat(43),
    history: [
      {
        state: 'pending',
        reason: null,
        validFrom: '2026-01-01T00:00:00.000Z',
        validTo: '2026-01-02T00:00:00.000Z',
      },
      {
        state,
        reason: state === 'suspended' ? 'device-lost' : null,
        validFrom: '2026-01-02T00:00:00.000Z',
        validTo: null,
      },
    ],
  });
  const activated = {
    keyId: 'n'.repeat(43),
    owner,
    purpose: 'payment' as const,
    history: [{ state: 'active' as const, reason: null, validFrom: now, validTo: null }],
  };

  it('rotates the key in use (active or suspended) as superseded when its successor becomes active', () => {
    expect(retireReplacedKeys(activated, [inUse('o'.repeat(43), 'active')], now)).toMatchObject([
      {
        keyId: 'o'.repeat(43),
        history: [
          {},
          { state: 'active', validTo: now },
          { state: 'rotated', reason: 'superseded', validFrom: now },
        ],
      },
    ]);
    expect(retireReplacedKeys(activated, [inUse('s'.repeat(43), 'suspended')], now)).toMatchObject([
      { history: [{}, {}, { state: 'rotated' }] },
    ]);
    expect(retireReplacedKeys(activated, [], now)).toEqual([]);
  });
});
