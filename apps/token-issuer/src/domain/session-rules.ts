// The token issuer's rules, free of I/O: which key may start a session, which state ends one, when a
// session may issue another token, and the claims of a token. Time comes in as an argument.
import {
  type AccessTokenAttestation,
  type AccessTokenClaims,
  type KeyState,
  type PrincipalRole,
  type SessionEndReason,
} from '@settle/contracts';

/** A binding key as the issuer's projection of key.lifecycle-changed holds it. */
export interface ProjectedKey {
  readonly keyId: string;
  readonly ownerKind: 'device' | 'terminal';
  readonly ownerId: string;
  readonly purpose: string;
  readonly state: KeyState;
  readonly publicJwk: {
    readonly kty: string;
    readonly crv?: string;
    readonly x?: string;
    readonly y?: string;
  };
}

/** Why a key cannot start a session. Closed, append-only. */
export const keyRefusals = [
  'KEY_UNKNOWN',
  'KEY_NOT_BINDING',
  'KEY_NOT_ACTIVE',
  'KEY_MISMATCH',
] as const;
export type KeyRefusal = (typeof keyRefusals)[number];

/**
 * Whether the key the device proved (its public JWK, from the binding or the DPoP proof) may start or
 * continue a session: registered as a binding key, active, and the very key registered (not merely the
 * same thumbprint claimed).
 */
export function checkBindingKey(
  key: ProjectedKey | undefined,
  proven: { readonly keyId: string; readonly x: string; readonly y: string },
): KeyRefusal | null {
  if (key === undefined) return 'KEY_UNKNOWN';
  assert(key.keyId === proven.keyId, 'the key looked up is the key proven');
  if (key.purpose !== 'binding') return 'KEY_NOT_BINDING';
  if (key.state !== 'active') return 'KEY_NOT_ACTIVE';
  const { kty, crv, x, y } = key.publicJwk;
  if (kty !== 'EC' || crv !== 'P-256' || x !== proven.x || y !== proven.y) return 'KEY_MISMATCH';
  return null;
}

/** The session-end reason when a binding key leaves `active`; null while it is active or pending. */
export function endReasonForKeyState(state: KeyState): SessionEndReason | null {
  switch (state) {
    case 'active':
    case 'pending':
      return null;
    case 'suspended':
      return 'key-suspended';
    // A rotated key is replaced by a new one: its sessions end like a revoked key's (the new key starts its own).
    case 'revoked':
    case 'rejected':
    case 'rotated':
      return 'key-revoked';
  }
}

/** A session as stored. */
export interface SessionState {
  readonly sessionId: string;
  readonly keyId: string;
  readonly tokenBindingIdHash: string | null;
  readonly expiresAt: Date;
  readonly lastTokenId: string;
  readonly endedAt: Date | null;
}

/** Why a session may not issue another token. Closed, append-only. */
export const refreshRefusals = [
  'SESSION_UNKNOWN',
  'SESSION_ENDED',
  'SESSION_MAX_AGE',
  'TOKEN_NOT_OF_SESSION',
  'TOKEN_SUPERSEDED',
  'BINDING_KEY_CHANGED',
] as const;
export type RefreshRefusal = (typeof refreshRefusals)[number];

/**
 * Whether the session may issue its next token: it exists and has not ended, is younger than its
 * maximum age, the presented token is its newest (an older one was already exchanged), and the fresh
 * binding names the session's key.
 */
export function decideRefresh(
  session: SessionState | undefined,
  presented: {
    readonly sessionId: string;
    readonly tokenId: string;
    readonly keyId: string;
    readonly tokenBindingIdHash: string | null;
  },
  now: Date,
): RefreshRefusal | null {
  if (session === undefined) return 'SESSION_UNKNOWN';
  if (session.endedAt !== null) return 'SESSION_ENDED';
  if (now.getTime() >= session.expiresAt.getTime()) return 'SESSION_MAX_AGE';
  if (presented.sessionId !== session.sessionId) return 'TOKEN_NOT_OF_SESSION';
  if (presented.tokenId !== session.lastTokenId) return 'TOKEN_SUPERSEDED';
  if (presented.keyId !== session.keyId) return 'BINDING_KEY_CHANGED';
  if (
    session.tokenBindingIdHash !== null &&
    presented.tokenBindingIdHash !== session.tokenBindingIdHash
  )
    return 'BINDING_KEY_CHANGED';
  return null;
}

/** What a token says of its holder, besides time and ids. */
export interface TokenSubject {
  readonly subjectId: string;
  readonly role: PrincipalRole;
  readonly owner: string;
  readonly attestation: AccessTokenAttestation;
  readonly confirmation: { readonly jkt: string; readonly tbh?: string };
}

/**
 * The claims of an access token: lifetime `tokenTtlMs`, never beyond the session's maximum age.
 * Times are whole seconds (RFC 7519 NumericDate).
 */
export function accessTokenClaims(input: {
  readonly issuer: string;
  readonly audience: readonly string[];
  readonly sessionId: string;
  readonly tokenId: string;
  readonly subject: TokenSubject;
  readonly now: Date;
  readonly tokenTtlMs: number;
  readonly sessionExpiresAt: Date;
}): AccessTokenClaims {
  const iat = Math.floor(input.now.getTime() / 1000);
  const exp = Math.min(
    Math.floor((input.now.getTime() + input.tokenTtlMs) / 1000),
    Math.floor(input.sessionExpiresAt.getTime() / 1000),
  );
  assert(exp > iat, 'a token is issued only while its session has time left');
  assert(input.audience.length > 0, 'a token has an audience');
  const { subject } = input;
  const cnf =
    subject.confirmation.tbh === undefined
      ? { jkt: subject.confirmation.jkt }
      : { tbh: subject.confirmation.tbh, jkt: subject.confirmation.jkt };
  return {
    iss: input.issuer,
    sub: subject.subjectId,
    aud: [...input.audience],
    iat,
    nbf: iat,
    exp,
    jti: input.tokenId,
    sid: input.sessionId,
    cnf,
    att: { level: subject.attestation.level, kind: subject.attestation.kind },
    role: subject.role,
    owner: subject.owner,
  };
}

/** A programmer error: crash loudly (TigerBeetle style), never a typed result. */
export function assert(condition: boolean, invariant: string): asserts condition {
  if (!condition) throw new Error(`token-issuer invariant violated: ${invariant}`);
}
