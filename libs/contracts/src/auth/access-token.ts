import type { SessionAttestationKind } from '../events/sessions/session-started.v1';

/**
 * Who holds an access token: a consumer's phone (PCD) or a merchant's terminal (POS).
 *
 * @example
 * ```ts
 * const role: PrincipalRole = 'consumer-device';
 * ```
 */
export type PrincipalRole = 'consumer-device' | 'pos-terminal';

/** Every role, in a fixed order. */
export const principalRoles: readonly PrincipalRole[] = ['consumer-device', 'pos-terminal'];

/**
 * The confirmation claim (RFC 7800) of an access token: the key the token is bound to. `tbh` is the
 * base64url SHA-256 of the RFC 8471 TokenBindingID (present when the session started with token
 * binding); `jkt` is the RFC 7638 JWK thumbprint of the binding key (always present; DPoP checks it).
 */
export interface AccessTokenConfirmation {
  readonly tbh?: string;
  readonly jkt: string;
}

/**
 * What the attestation behind a session proved: its level (the key's protection) and kind (from
 * registration, or fresh evidence at session start).
 */
export interface AccessTokenAttestation {
  readonly level: 'strongbox' | 'tee' | 'secure-enclave' | 'software';
  readonly kind: SessionAttestationKind;
}

/**
 * The claims of every access token the token issuer signs (JWT, ES256, `typ: at+jwt`), and what the
 * resource-server guard reads. `sub` is the device or terminal id, `owner` the account id (device)
 * or merchant id (terminal). docs/security.md describes each.
 *
 * @example
 * ```ts
 * const claims: AccessTokenClaims = {
 *   iss: 'https://tokens.settle.example', sub: 'dev_2Nc6RtH8yJq4Ze', aud: ['settle'], iat, nbf: iat, exp: iat + 300, jti, sid,
 *   cnf: { tbh, jkt }, att: { level: 'tee', kind: 'registration' }, role: 'consumer-device', owner: 'acc_7Qm2',
 * };
 * ```
 */
export interface AccessTokenClaims {
  readonly iss: string;
  readonly sub: string;
  readonly aud: readonly string[];
  readonly iat: number;
  readonly nbf: number;
  readonly exp: number;
  readonly jti: string;
  readonly sid: string;
  readonly cnf: AccessTokenConfirmation;
  readonly att: AccessTokenAttestation;
  readonly role: PrincipalRole;
  readonly owner: string;
}

/** HTTP header names of the bound-token protocol (RFC 8473, RFC 9449). */
export const authHeaders = {
  tokenBinding: 'sec-token-binding',
  dpop: 'dpop',
  dpopNonce: 'dpop-nonce',
  authorization: 'authorization',
} as const;

/**
 * The authorization schemes: `Bearer` with a token-binding message beside it (token-binding mode),
 * `DPoP` with a DPoP proof (RFC 9449 §7.1).
 */
export const authSchemes = { tokenBinding: 'Bearer', dpop: 'DPoP' } as const;

/** The JWT `typ` of access tokens (RFC 9068) and of DPoP proofs (RFC 9449). */
export const jwtTypes = { accessToken: 'at+jwt', dpopProof: 'dpop+jwt' } as const;
