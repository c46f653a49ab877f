import { type KeyState } from '@settle/contracts';
import {
  type ProjectedKey,
  type SessionState,
  accessTokenClaims,
  checkBindingKey,
  decideRefresh,
  endReasonForKeyState,
} from './session-rules';

const key: ProjectedKey = {
  keyId: 'k1',
  ownerKind: 'device',
  ownerId: 'dev_1',
  purpose: 'binding',
  state: 'active',
  publicJwk: { kty: 'EC', crv: 'P-256', x: 'X', y: 'Y' },
};
const proven = { keyId: 'k1', x: 'X', y: 'Y' };

describe('checkBindingKey', () => {
  it('accepts the registered, active binding key', () => {
    expect(checkBindingKey(key, proven)).toBeNull();
  });

  it.each<[string, ProjectedKey | undefined, string]>([
    ['unknown', undefined, 'KEY_UNKNOWN'],
    ['a payment key', { ...key, purpose: 'payment' }, 'KEY_NOT_BINDING'],
    ['pending', { ...key, state: 'pending' }, 'KEY_NOT_ACTIVE'],
    ['suspended', { ...key, state: 'suspended' }, 'KEY_NOT_ACTIVE'],
    ['revoked', { ...key, state: 'revoked' }, 'KEY_NOT_ACTIVE'],
    [
      'another point under the same id',
      { ...key, publicJwk: { ...key.publicJwk, y: 'other' } },
      'KEY_MISMATCH',
    ],
  ])('refuses %s', (_name, candidate, code) => {
    expect(checkBindingKey(candidate, proven)).toBe(code);
  });
});

describe('endReasonForKeyState', () => {
  it.each<[KeyState, string | null]>([
    ['pending', null],
    ['active', null],
    ['suspended', 'key-suspended'],
    ['revoked', 'key-revoked'],
    ['rejected', 'key-revoked'],
    ['rotated', 'key-revoked'],
  ])('%s → %s', (state, reason) => {
    expect(endReasonForKeyState(state)).toBe(reason);
  });
});

describe('decideRefresh', () => {
  const now = new Date('2026-11-28T12:00:00.000Z');
  const session: SessionState = {
    sessionId: 'ses_1',
    keyId: 'k1',
    tokenBindingIdHash: 'tbh',
    expiresAt: new Date('2026-11-28T20:00:00.000Z'),
    lastTokenId: 'jti-2',
    endedAt: null,
  };
  const presented = {
    sessionId: 'ses_1',
    tokenId: 'jti-2',
    keyId: 'k1',
    tokenBindingIdHash: 'tbh',
  };

  it('allows the newest token of a live session with the same key', () => {
    expect(decideRefresh(session, presented, now)).toBeNull();
  });

  it.each<[string, SessionState | undefined, Partial<typeof presented>, string]>([
    ['no session', undefined, {}, 'SESSION_UNKNOWN'],
    ['an ended session', { ...session, endedAt: now }, {}, 'SESSION_ENDED'],
    ['a session past its maximum age', { ...session, expiresAt: now }, {}, 'SESSION_MAX_AGE'],
    ['a token of another session', session, { sessionId: 'ses_2' }, 'TOKEN_NOT_OF_SESSION'],
    ['a superseded token', session, { tokenId: 'jti-1' }, 'TOKEN_SUPERSEDED'],
    ['another key', session, { keyId: 'k2' }, 'BINDING_KEY_CHANGED'],
    ['another token binding id', session, { tokenBindingIdHash: 'other' }, 'BINDING_KEY_CHANGED'],
  ])('refuses %s', (_name, state, change, code) => {
    expect(decideRefresh(state, { ...presented, ...change }, now)).toBe(code);
  });
});

describe('accessTokenClaims', () => {
  const subject = {
    subjectId: 'dev_1',
    role: 'consumer-device' as const,
    owner: 'acc_1',
    attestation: { level: 'tee' as const, kind: 'registration' as const },
    confirmation: { jkt: 'k1', tbh: 'tbh' },
  };
  const base = {
    issuer: 'urn:i',
    audience: ['settle'],
    sessionId: 'ses_1',
    tokenId: 'jti',
    subject,
    now: new Date('2026-11-28T12:00:00.500Z'),
    tokenTtlMs: 300_000,
  };

  it('gives exactly the contract claims, in whole seconds', () => {
    expect(
      accessTokenClaims({ ...base, sessionExpiresAt: new Date('2026-11-29T00:00:00.000Z') }),
    ).toEqual({
      iss: 'urn:i',
      sub: 'dev_1',
      aud: ['settle'],
      iat: 1_795_867_200,
      nbf: 1_795_867_200,
      exp: 1_795_867_500,
      jti: 'jti',
      sid: 'ses_1',
      cnf: { tbh: 'tbh', jkt: 'k1' },
      att: { level: 'tee', kind: 'registration' },
      role: 'consumer-device',
      owner: 'acc_1',
    });
  });

  it('never outlives the session, and omits tbh for DPoP', () => {
    const claims = accessTokenClaims({
      ...base,
      subject: { ...subject, confirmation: { jkt: 'k1' } },
      sessionExpiresAt: new Date('2026-11-28T12:01:00.000Z'),
    });
    expect(claims.exp - claims.iat).toBe(60);
    expect(claims.cnf).toEqual({ jkt: 'k1' });
  });

  it('asserts the session has time left (a programmer error otherwise)', () => {
    expect(() => accessTokenClaims({ ...base, sessionExpiresAt: base.now })).toThrow(/invariant/);
  });
});
