import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { jwtTypes } from '@settle/contracts';
import { calculateJwkThumbprint, type Clock, systemClock } from '@settle/crypto';
import { type JWK, type JWTVerifyResult, errors as joseErrors, importJWK, jwtVerify } from 'jose';
import { type Rejection, reject } from '../rejections';
import { type DpopNonces } from './dpop-nonce';

/** A proof's `iat` may be this old (RFC 9449 §11.1: the replay window; docs/security.md). */
export const dpopProofAgeSecondsMax = 60;
/** … or this far in the future (the client's clock ahead of ours). */
export const dpopProofFutureSkewSeconds = 30;
/** A proof's `jti` is remembered this long: past it, its `iat` check refuses the proof anyway. */
export const dpopReplayRetentionSeconds = dpopProofAgeSecondsMax + dpopProofFutureSkewSeconds;
/** Longer DPoP headers are refused before parsing. */
export const dpopProofLengthMaxChars = 2_048;
/** Longest accepted `jti` (a UUID is 36 characters; RFC 9449 asks for at least 96 bits of entropy). */
export const dpopJtiLengthMaxChars = 128;

/** The arguments of {@link verifyDpopProof}. */
export interface VerifyDpopProofInput {
  /** The `DPoP` header, exactly as received (undefined when absent). */
  readonly proof: string | undefined;
  /**
   * The access token the request carries: `ath` must be its SHA-256. Absent only where a request
   * carries no token yet (the token issuer's session start, RFC 9449 §5); `ath` is then not read.
   */
  readonly accessToken?: string;
  /** The request's method (`htm`). */
  readonly method: string;
  /** The URL the client addressed: the configured external base URL + the request path (`htu`). */
  readonly url: string;
  /**
   * The server nonces this service issues (§8), or null where it demands none: the token issuer, where
   * the `iat` window and the shared replay table bound replay (docs/token-issuer.md, "DPoP mode").
   */
  readonly nonces: DpopNonces | null;
  readonly clock?: Clock;
}

/** A proof that verified (its `jti` must still be checked against the shared replay cache). */
export interface VerifiedDpopProof {
  readonly ok: true;
  /** RFC 7638 thumbprint of the proof's key: must equal the token's `cnf.jkt`. */
  readonly keyThumbprint: string;
  /** The proof's public key (the token issuer compares it with the registered one). */
  readonly publicJwk: {
    readonly kty: 'EC';
    readonly crv: 'P-256';
    readonly x: string;
    readonly y: string;
  };
  readonly jti: string;
  /** Until when the `jti` must be remembered. */
  readonly replayExpiresAt: Date;
  /** The nonce is past half its life: send a new one with the response. */
  readonly renewNonce: boolean;
}

/**
 * Checks an RFC 9449 DPoP proof for one request, everything but replay: compact JWS with
 * `typ: dpop+jwt`, ES256 only, a public P-256 `jwk` in the header that verifies the signature,
 * `htm`, `htu` (no query or fragment, §4.3), `iat` within [−{@link dpopProofAgeSecondsMax} s,
 * +{@link dpopProofFutureSkewSeconds} s], a server nonce of ours that is not stale (§8) where this
 * service issues nonces, `ath` = base64url(SHA-256(access token)) when a token is presented, and a
 * `jti`. The one DPoP rule of the project: the resource guard and the token issuer both call it, and
 * both record the `jti` with {@link rememberDpopProofId} (docs/security.md).
 *
 * @example
 * const proof = await verifyDpopProof({ proof: headers.dpop, accessToken, method: 'POST', url: 'https://api.settle.example/uploads', nonces });
 * if (proof.ok && proof.keyThumbprint !== claims.cnf.jkt) reject('DPOP_KEY_MISMATCH', …);
 */
export async function verifyDpopProof(
  input: VerifyDpopProofInput,
): Promise<VerifiedDpopProof | Rejection> {
  const { proof } = input;
  if (proof === undefined || proof.length === 0)
    return reject('DPOP_PROOF_MISSING', 'The request has no DPoP proof.');
  if (proof.length > dpopProofLengthMaxChars)
    return reject('DPOP_PROOF_INVALID', 'The DPoP proof is too long.', 'length');
  const now = (input.clock ?? systemClock)();
  const nowSeconds = Math.floor(now.getTime() / 1000);
  let jwk: JWK | undefined;
  let verified: JWTVerifyResult;
  try {
    verified = await jwtVerify(
      proof,
      async (header) => {
        jwk = publicP256Jwk(header.jwk);
        // WebCrypto throws a DataError (not a JOSEError) for a point off the curve: the caller's fault.
        return importJWK(jwk, 'ES256').catch(() =>
          Promise.reject(new joseErrors.JWSInvalid('jwk header is not a point of P-256')),
        );
      },
      {
        algorithms: ['ES256'],
        typ: jwtTypes.dpopProof,
        currentDate: now,
        requiredClaims: ['jti', 'htm', 'htu', 'iat'],
      },
    );
  } catch (error) {
    if (error instanceof joseErrors.JOSEError)
      return reject('DPOP_PROOF_INVALID', 'The DPoP proof is invalid.', error.code);
    throw error;
  }
  const claims = verified.payload;
  const { jti, htm, htu, iat, nonce, ath } = claims as Record<string, unknown>;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > dpopJtiLengthMaxChars)
    return reject('DPOP_PROOF_INVALID', 'The DPoP proof has no usable jti.', 'jti');
  if (htm !== input.method)
    return reject('DPOP_PROOF_INVALID', 'The DPoP proof is for another HTTP method.', 'htm');
  if (typeof htu !== 'string' || normalizeHtu(htu) !== normalizeHtu(input.url))
    return reject('DPOP_PROOF_INVALID', 'The DPoP proof is for another URL.', 'htu');
  if (
    typeof iat !== 'number' ||
    iat < nowSeconds - dpopProofAgeSecondsMax ||
    iat > nowSeconds + dpopProofFutureSkewSeconds
  ) {
    return reject('DPOP_PROOF_INVALID', 'The DPoP proof is too old or from the future.', 'iat');
  }
  const nonceState =
    input.nonces === null
      ? 'fresh'
      : typeof nonce === 'string'
        ? input.nonces.check(nonce, nowSeconds)
        : 'missing';
  if (nonceState !== 'fresh' && nonceState !== 'renew')
    return reject(
      'DPOP_NONCE_REQUIRED',
      'The DPoP proof needs a fresh server nonce.',
      `nonce ${nonceState}`,
    );
  if (input.accessToken !== undefined && ath !== accessTokenHash(input.accessToken))
    return reject('DPOP_PROOF_INVALID', 'The DPoP proof is for another access token.', 'ath');
  assert(
    jwk !== undefined && jwk.x !== undefined && jwk.y !== undefined,
    'a verified proof has its public key',
  );
  return {
    ok: true,
    keyThumbprint: calculateJwkThumbprint(jwk),
    publicJwk: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y },
    jti,
    replayExpiresAt: new Date((nowSeconds + dpopReplayRetentionSeconds + 1) * 1000),
    renewNonce: nonceState === 'renew',
  };
}

/**
 * `ath` of RFC 9449 §4.2: base64url (no padding) of the SHA-256 of the access token's ASCII.
 *
 * @example
 * const ath = accessTokenHash(token);
 */
export function accessTokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'ascii').digest('base64url');
}

/**
 * The `htu` comparison of RFC 9449 §4.3: scheme and host case-insensitive, default port dropped,
 * no query or fragment (RFC 3986 §6.2.2–6.2.3 normalisation as WHATWG URL does it). Null if not a URL.
 *
 * @example
 * normalizeHtu('HTTPS://API.example:443/a?b#c') === 'https://api.example/a'
 */
export function normalizeHtu(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return null;
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}

/** The header's `jwk` if it is a public EC P-256 key (no private member), else throws JWSInvalid. */
function publicP256Jwk(value: unknown): JWK {
  const jwk = value as Record<string, unknown> | undefined;
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk))
    throw new joseErrors.JWSInvalid('jwk header missing');
  if (
    'd' in jwk ||
    jwk['kty'] !== 'EC' ||
    jwk['crv'] !== 'P-256' ||
    typeof jwk['x'] !== 'string' ||
    typeof jwk['y'] !== 'string'
  ) {
    throw new joseErrors.JWSInvalid('jwk header must be a public P-256 key');
  }
  return { kty: 'EC', crv: 'P-256', x: jwk['x'], y: jwk['y'] };
}
