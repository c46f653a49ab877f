/**
 * Why the guard refused a request. Closed, ordered and append-only (a test pins it): clients and
 * dashboards branch on these, never on the detail text. Each maps to one HTTP status and one
 * RFC 6750 / RFC 9449 `error` value for `WWW-Authenticate`.
 */
export const resourceGuardRejectionCodes = [
  'ACCESS_TOKEN_MISSING',
  'ACCESS_TOKEN_INVALID',
  'ACCESS_TOKEN_EXPIRED',
  'ACCESS_TOKEN_NOT_YET_VALID',
  'ACCESS_TOKEN_KEY_UNKNOWN',
  'TOKEN_BINDING_MISSING',
  'TOKEN_BINDING_INVALID',
  'TOKEN_BINDING_KEY_MISMATCH',
  'BINDING_KEY_INACTIVE',
  'DPOP_PROOF_MISSING',
  'DPOP_PROOF_INVALID',
  'DPOP_PROOF_REPLAYED',
  'DPOP_NONCE_REQUIRED',
  'DPOP_KEY_MISMATCH',
  'ROLE_FORBIDDEN',
  'AUTHENTICATION_UNAVAILABLE',
  'BINDING_KEY_NOT_SUBJECTS',
  'ISSUER_KEYS_STALE',
] as const;

/**
 * One of {@link resourceGuardRejectionCodes}.
 *
 * @example
 * const code: ResourceGuardRejectionCode = 'TOKEN_BINDING_KEY_MISMATCH';
 */
export type ResourceGuardRejectionCode = (typeof resourceGuardRejectionCodes)[number];

/**
 * A refused request: the stable code, a detail safe to show the caller (never token contents), and
 * a `reason` for the debug log only (e.g. the jose or token-binding error code).
 *
 * @example
 * const rejection: Rejection = { ok: false, code: 'ACCESS_TOKEN_EXPIRED', detail: 'The access token has expired.', reason: 'ERR_JWT_EXPIRED' };
 */
export interface Rejection {
  readonly ok: false;
  readonly code: ResourceGuardRejectionCode;
  readonly detail: string;
  readonly reason?: string;
}

/**
 * Builds a {@link Rejection}.
 *
 * @example
 * return reject('DPOP_PROOF_INVALID', 'The DPoP proof is for another URL.', 'htu');
 */
export function reject(
  code: ResourceGuardRejectionCode,
  detail: string,
  reason?: string,
): Rejection {
  return reason === undefined ? { ok: false, code, detail } : { ok: false, code, detail, reason };
}

/** What `WWW-Authenticate` says for each code (RFC 6750 §3.1, RFC 9449 §7.1, §8), and the HTTP status. */
export const rejectionResponses: Readonly<
  Record<
    ResourceGuardRejectionCode,
    { readonly status: 401 | 403 | 503; readonly error: string | null }
  >
> = {
  ACCESS_TOKEN_MISSING: { status: 401, error: null },
  ACCESS_TOKEN_INVALID: { status: 401, error: 'invalid_token' },
  ACCESS_TOKEN_EXPIRED: { status: 401, error: 'invalid_token' },
  ACCESS_TOKEN_NOT_YET_VALID: { status: 401, error: 'invalid_token' },
  ACCESS_TOKEN_KEY_UNKNOWN: { status: 401, error: 'invalid_token' },
  TOKEN_BINDING_MISSING: { status: 401, error: 'invalid_token' },
  TOKEN_BINDING_INVALID: { status: 401, error: 'invalid_token' },
  TOKEN_BINDING_KEY_MISMATCH: { status: 401, error: 'invalid_token' },
  BINDING_KEY_INACTIVE: { status: 401, error: 'invalid_token' },
  DPOP_PROOF_MISSING: { status: 401, error: 'invalid_dpop_proof' },
  DPOP_PROOF_INVALID: { status: 401, error: 'invalid_dpop_proof' },
  DPOP_PROOF_REPLAYED: { status: 401, error: 'invalid_dpop_proof' },
  DPOP_NONCE_REQUIRED: { status: 401, error: 'use_dpop_nonce' },
  DPOP_KEY_MISMATCH: { status: 401, error: 'invalid_token' },
  ROLE_FORBIDDEN: { status: 403, error: 'insufficient_scope' },
  AUTHENTICATION_UNAVAILABLE: { status: 503, error: null },
  BINDING_KEY_NOT_SUBJECTS: { status: 401, error: 'invalid_token' },
  ISSUER_KEYS_STALE: { status: 503, error: null },
};
