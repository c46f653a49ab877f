import { encodeAppAttestKeyVouchEvidence } from '@settle/attestation';
import { encodeCborDeterministic } from '@settle/crypto';
import { hashEnrolmentCode } from '../domain/enrolment-code';
import {
  decideRegisterKeys,
  type KnownKey,
  type RegisterKeys,
  type RegisterKeysState,
  type SubmittedKey,
} from './register-keys.decider';

const now = '2026-03-01T10:00:00.000Z';
const codeHash = hashEnrolmentCode('code');
const challenge = 'c'.repeat(43);
const coordinate = (fill: string) => fill.repeat(42) + 'A';
const payment: SubmittedKey = {
  keyId: coordinate('p'),
  purpose: 'payment',
  algorithm: 'ES256',
  publicKeyJwk: { kty: 'EC', crv: 'P-256', x: coordinate('a'), y: coordinate('b') },
  format: 'android-key',
  evidence: 'ZXZpZGVuY2U',
};
const binding: SubmittedKey = {
  keyId: coordinate('q'),
  purpose: 'binding',
  algorithm: 'ES256',
  publicKeyJwk: { kty: 'EC', crv: 'P-256', x: coordinate('c'), y: coordinate('d') },
  format: 'android-key',
  evidence: 'ZXZpZGVuY2U',
};
const command: RegisterKeys = { codeHash, challenge, keys: [payment, binding], now };
const owner = { kind: 'device' as const, id: 'dev_1' };
const fresh: RegisterKeysState = {
  code: {
    codeHash,
    subject: { kind: 'device', id: 'dev_1' },
    expiresAt: '2026-03-02T00:00:00.000Z',
    consumedAt: null,
    revokedAt: null,
    challengesIssued: 1,
  },
  challenge: {
    challenge,
    codeHash,
    owner,
    expiresAt: '2026-03-01T10:05:00.000Z',
    consumedAt: null,
  },
  submittedKnown: [],
  ownerCurrent: [],
};
const known = (key: SubmittedKey, overrides: Partial<KnownKey> = {}): KnownKey => ({
  keyId: key.keyId,
  owner,
  purpose: key.purpose,
  algorithm: key.algorithm,
  publicKeyJwk: key.publicKeyJwk,
  challenge,
  history: [{ state: 'pending', reason: null, validFrom: now, validTo: null }],
  ...overrides,
});

describe('decideRegisterKeys', () => {
  it('registers both keys pending for the challenge’s owner', () => {
    const result = decideRegisterKeys(command, fresh);
    expect(result).toMatchObject({
      outcome: 'registered',
      owner,
      keys: [
        { keyId: payment.keyId, history: [{ state: 'pending', validFrom: now, validTo: null }] },
        { purpose: 'binding' },
      ],
      superseded: [],
    });
  });

  it('answers a retry with the same keys as a duplicate, and other content as a conflict', () => {
    const consumed = {
      ...fresh,
      code: { ...fresh.code!, consumedAt: now },
      challenge: { ...fresh.challenge!, consumedAt: now },
    };
    expect(
      decideRegisterKeys(command, {
        ...consumed,
        submittedKnown: [known(payment), known(binding)],
      }),
    ).toMatchObject({ outcome: 'duplicate', owner });
    expect(
      decideRegisterKeys(command, { ...consumed, submittedKnown: [known(payment)] }),
    ).toMatchObject({ outcome: 'refused', code: 'KEY_ALREADY_REGISTERED' });
    expect(
      decideRegisterKeys(command, {
        ...consumed,
        submittedKnown: [known(payment, { purpose: 'binding' }), known(binding)],
      }),
    ).toMatchObject({ outcome: 'refused', code: 'KEY_ALREADY_REGISTERED' });
    expect(
      decideRegisterKeys(command, {
        ...consumed,
        submittedKnown: [known(payment, { challenge: 'x'.repeat(43) }), known(binding)],
      }),
    ).toMatchObject({ outcome: 'refused', code: 'KEY_ALREADY_REGISTERED' });
  });

  it('refuses used codes and used challenges, naming the field', () => {
    expect(
      decideRegisterKeys(command, { ...fresh, code: { ...fresh.code!, consumedAt: now } }),
    ).toMatchObject({ outcome: 'refused', code: 'ENROLMENT_CODE_USED', field: 'enrolmentCode' });
    expect(
      decideRegisterKeys(command, {
        ...fresh,
        challenge: { ...fresh.challenge!, consumedAt: now },
      }),
    ).toMatchObject({ outcome: 'refused', code: 'CHALLENGE_USED', field: 'challenge' });
    expect(decideRegisterKeys(command, { ...fresh, challenge: null })).toMatchObject({
      outcome: 'refused',
      code: 'CHALLENGE_UNKNOWN',
    });
  });

  it('needs one payment and one ES256 binding key with evidence', () => {
    expect(decideRegisterKeys({ ...command, keys: [payment, payment] }, fresh)).toMatchObject({
      outcome: 'refused',
      code: 'KEYS_INVALID',
      field: 'keys',
    });
    expect(
      decideRegisterKeys(
        { ...command, keys: [payment, { ...binding, algorithm: 'EdDSA' }] },
        fresh,
      ),
    ).toMatchObject({ code: 'KEYS_INVALID', field: 'keys[1].algorithm' });
    expect(
      decideRegisterKeys({ ...command, keys: [payment, { ...binding, evidence: '' }] }, fresh),
    ).toMatchObject({ code: 'KEYS_INVALID', field: 'keys[1].evidence' });
  });

  // Issue 13 §1: an App Attest key cannot be a binding key; the registry refuses evidence that is not the vouch envelope at once.
  it('needs an apple-app-attest binding key’s evidence to be the { assertion, attestationObject } envelope', () => {
    const appAttest = { format: 'apple-app-attest' as const };
    const envelope = Buffer.from(
      encodeAppAttestKeyVouchEvidence({
        attestationObject: new Uint8Array([0xa0]),
        assertion: new Uint8Array([0xa0]),
      }),
    ).toString('base64url');
    expect(
      decideRegisterKeys(
        {
          ...command,
          keys: [
            { ...payment, ...appAttest },
            { ...binding, ...appAttest, evidence: envelope },
          ],
        },
        fresh,
      ),
    ).toMatchObject({ outcome: 'registered' });
    const bareObject = Buffer.from(
      encodeCborDeterministic(new Map([['fmt', 'apple-appattest']])),
    ).toString('base64url');
    expect(
      decideRegisterKeys(
        {
          ...command,
          keys: [
            { ...payment, ...appAttest },
            { ...binding, ...appAttest, evidence: bareObject },
          ],
        },
        fresh,
      ),
    ).toMatchObject({ outcome: 'refused', code: 'KEYS_INVALID', field: 'keys[1].evidence' });
    // The payment key's evidence is the attestation object itself: not checked here (the verifier reads it).
    expect(
      decideRegisterKeys(
        {
          ...command,
          keys: [
            { ...payment, ...appAttest, evidence: bareObject },
            { ...binding, ...appAttest, evidence: envelope },
          ],
        },
        fresh,
      ),
    ).toMatchObject({ outcome: 'registered' });
  });

  it('supersedes only the owner’s pending keys (revoked); keys in use stay until the new ones are active', () => {
    const activeHistory = [
      {
        state: 'pending' as const,
        reason: null,
        validFrom: '2026-01-01T00:00:00.000Z',
        validTo: '2026-01-02T00:00:00.000Z',
      },
      {
        state: 'active' as const,
        reason: null,
        validFrom: '2026-01-02T00:00:00.000Z',
        validTo: null,
      },
    ];
    const oldActive = known({ ...payment, keyId: coordinate('r') }, { history: activeHistory });
    const oldPending = known(
      { ...binding, keyId: coordinate('s') },
      {
        history: [
          { state: 'pending', reason: null, validFrom: '2026-01-01T00:00:00.000Z', validTo: null },
        ],
      },
    );
    const result = decideRegisterKeys(command, { ...fresh, ownerCurrent: [oldActive, oldPending] });
    expect(result).toMatchObject({
      outcome: 'registered',
      superseded: [
        { keyId: oldPending.keyId, history: [{}, { state: 'revoked', reason: 'superseded' }] },
      ],
    });
    expect(result.outcome === 'registered' && result.superseded.map((key) => key.keyId)).toEqual([
      oldPending.keyId,
    ]);
  });
});
