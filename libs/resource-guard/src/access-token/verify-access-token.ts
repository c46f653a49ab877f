import assert from 'node:assert/strict';
import { type AccessTokenClaims, jwtTypes, principalRoles } from '@settle/contracts';
import { type Clock, systemClock } from '@settle/crypto';
import { type CryptoKey, type JWTVerifyResult, errors as joseErrors, jwtVerify } from 'jose';
import { type Rejection, reject } from '../rejections';

/** Clock difference tolerated on `exp` and `nbf` (docs/security.md "Clock skew"). */
export const accessTokenClockSkewSeconds = 30;
/** Longer Authorization values are refused before any parsing (ours are well under 1 KiB). */
export const accessTokenLengthMaxChars = 4_096;
/** The only signature algorithm accepted: no `none`, no HMAC (RFC 8725 §3.1). */
export const accessTokenAlgorithms = ['ES256'] as const;

const attestationLevels: readonly string[] = ['strongbox', 'tee', 'secure-enclave', 'software'];
const attestationKinds: readonly string[] = ['registration', 'fresh'];

/**
 * The issuer's verification keys by `kid`: a resource server's {@link JwksKeyStore}, or the token
 * issuer's key custody (every token-signing key it holds, published or retired).
 *
 * @example
 * const keys: AccessTokenKeys = { keyFor: async (kid) => (kid === 'k1' ? key : null) };
 */
export interface AccessTokenKeys {
  /** The key for `kid`, or null when the issuer has none; throws `JwksUnavailableError` when unknown now. */
  keyFor(kid: string): Promise<CryptoKey | null>;
}

/** The arguments of {@link verifyAccessToken} besides the token. */
export interface VerifyAccessTokenOptions {
  readonly keys: AccessTokenKeys;
  /** Exact `iss` expected. */
  readonly issuer: string;
  /**
   * This service's audience: `aud` must contain it. Null only for the token issuer reading back a
   * token it signed for whichever audiences it served then.
   */
  readonly audience: string | null;
  /**
   * True only for the token issuer's refresh: the newest token of a session is exchanged even after
   * its `exp` (the session's own maximum age decides). Everything else is checked all the same.
   */
  readonly acceptExpired?: boolean;
  readonly clock?: Clock;
}

/**
 * The result of {@link verifyAccessToken}.
 *
 * @example
 * if (!result.ok) throw problemFor(result);
 */
export type VerifyAccessTokenResult =
  | {
      readonly ok: true;
      readonly claims: AccessTokenClaims;
      readonly signingKey: VerifiedSigningKey;
    }
  | Rejection;

/** The issuer's key a token verified with: its `kid` and the key object the JWKS store held for it. */
export interface VerifiedSigningKey {
  readonly kid: string;
  readonly key: CryptoKey;
}

/** Thrown from the key resolver so a missing `kid` is told apart from a bad signature. */
class UnknownKeyId extends Error {}

/**
 * Verifies an access token (DESIGN §7): compact JWS, `typ: at+jwt`, ES256 only, signed by a key of
 * the issuer's JWKS named by `kid`, exact `iss`, `aud` containing ours, `exp`/`nbf` with
 * {@link accessTokenClockSkewSeconds} of skew, and every claim shaped as `AccessTokenClaims`.
 * Proof of possession (token binding or DPoP) is the caller's next step. Throws only
 * `JwksUnavailableError` (the issuer's keys cannot be fetched): that is not the token's fault.
 *
 * @example
 * const result = await verifyAccessToken(token, { keys, issuer: 'https://tokens.settle.example', audience: 'settle' });
 * if (result.ok) console.log(result.claims.cnf.jkt);
 */
export async function verifyAccessToken(
  token: string,
  options: VerifyAccessTokenOptions,
): Promise<VerifyAccessTokenResult> {
  if (token.length === 0 || token.length > accessTokenLengthMaxChars)
    return reject('ACCESS_TOKEN_INVALID', 'The access token is malformed.', 'length');
  const clock = options.clock ?? systemClock;
  let verified: JWTVerifyResult;
  let signingKey: VerifiedSigningKey | null = null;
  try {
    verified = await jwtVerify(
      token,
      async (header) => {
        if (typeof header.kid !== 'string') throw new UnknownKeyId('no kid');
        const key = await options.keys.keyFor(header.kid);
        if (key === null) throw new UnknownKeyId('unknown kid');
        signingKey = { kid: header.kid, key };
        return key;
      },
      {
        algorithms: [...accessTokenAlgorithms],
        typ: jwtTypes.accessToken,
        issuer: options.issuer,
        ...(options.audience === null ? {} : { audience: options.audience }),
        clockTolerance: accessTokenClockSkewSeconds,
        currentDate: clock(),
        requiredClaims: ['iss', 'sub', 'aud', 'iat', 'nbf', 'exp', 'jti'],
      },
    );
  } catch (error) {
    // jose checks `exp` last (after the signature and every other claim), so an expired token's
    // payload is otherwise fully verified.
    if (!(
      options.acceptExpired === true &&
      error instanceof joseErrors.JWTExpired &&
      error.claim === 'exp'
    ))
      return rejectionFor(error);
    verified = {
      payload: error.payload,
      protectedHeader: {} as JWTVerifyResult['protectedHeader'],
    };
  }
  const shapeProblem = claimShapeProblem(verified.payload);
  if (shapeProblem !== null)
    return reject('ACCESS_TOKEN_INVALID', 'The access token is invalid.', `claim ${shapeProblem}`);
  assert(signingKey !== null, 'a verified token names the key that verified it');
  return { ok: true, claims: verified.payload as unknown as AccessTokenClaims, signingKey };
}

function rejectionFor(error: unknown): Rejection {
  if (error instanceof UnknownKeyId)
    return reject(
      'ACCESS_TOKEN_KEY_UNKNOWN',
      'The access token is signed with an unknown key.',
      error.message,
    );
  if (error instanceof joseErrors.JWTExpired)
    return reject('ACCESS_TOKEN_EXPIRED', 'The access token has expired.', error.code);
  if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === 'nbf') {
    return reject('ACCESS_TOKEN_NOT_YET_VALID', 'The access token is not valid yet.', error.code);
  }
  if (error instanceof joseErrors.JOSEError) {
    const claim = error instanceof joseErrors.JWTClaimValidationFailed ? ` ${error.claim}` : '';
    return reject('ACCESS_TOKEN_INVALID', 'The access token is invalid.', `${error.code}${claim}`);
  }
  // JwksUnavailableError and bugs: not the caller's fault.
  throw error;
}

/** Null when the payload has exactly the shape of AccessTokenClaims, else the first bad claim's name. */
function claimShapeProblem(payload: Record<string, unknown>): string | null {
  const isText = (value: unknown): value is string =>
    typeof value === 'string' && value.length > 0 && value.length <= 256;
  for (const name of ['sub', 'jti', 'sid', 'owner'] as const)
    if (!isText(payload[name])) return name;
  if (!Array.isArray(payload['aud']) || !payload['aud'].every(isText)) return 'aud';
  for (const name of ['iat', 'nbf', 'exp'] as const)
    if (!Number.isInteger(payload[name])) return name;
  if (!principalRoles.includes(payload['role'] as never)) return 'role';
  const cnf = payload['cnf'] as Record<string, unknown> | undefined;
  if (
    typeof cnf !== 'object' ||
    cnf === null ||
    !isText(cnf['jkt']) ||
    (cnf['tbh'] !== undefined && !isText(cnf['tbh']))
  )
    return 'cnf';
  const att = payload['att'] as Record<string, unknown> | undefined;
  if (
    typeof att !== 'object' ||
    att === null ||
    !attestationLevels.includes(att['level'] as string) ||
    !attestationKinds.includes(att['kind'] as string)
  ) {
    return 'att';
  }
  return null;
}
