import { type AccessTokenClaims } from '@settle/contracts';
import { type JwksKeyStore } from './jwks-key-store';
import { accessTokenClockSkewSeconds, type VerifiedSigningKey } from './verify-access-token';

/** Tokens remembered per connection (a client renews its token a few times over a long connection). */
export const verifiedTokensPerConnectionMax = 4;

interface VerifiedToken {
  readonly claims: AccessTokenClaims;
  readonly signingKey: VerifiedSigningKey;
  /** `exp` plus the tolerated skew: from then on the token is verified again (and refused as expired). */
  readonly validUntilMs: number;
}

/**
 * Access tokens already verified on a kept-alive connection, so the next request with the same token
 * does not verify its signature and claims again. A remembered verification holds only while
 * everything it rested on holds: the token is byte for byte the same, its `exp` (with the tolerated
 * skew) has not passed, and the issuer's JWKS still maps its `kid` to the very key object that verified
 * it (a JWKS reload, or the key's removal, means verifying again). Revocation is not cached here: the
 * caller checks the binding key's state on every request. Connections hold their entries (a WeakMap):
 * a closed connection's go with it.
 *
 * @example
 * const claims = await cache.lookUp(socket, token, nowMs, keys) ?? verifyAndRemember();
 */
export class VerifiedTokenCache {
  private readonly byConnection = new WeakMap<object, Map<string, VerifiedToken>>();
  private hitCount = 0;

  /** Requests whose token was not verified again (tests and the benchmark count them). */
  get hits(): number {
    return this.hitCount;
  }

  async lookUp(
    connection: object,
    token: string,
    nowMs: number,
    keys: JwksKeyStore,
  ): Promise<AccessTokenClaims | null> {
    const known = this.byConnection.get(connection)?.get(token);
    if (known === undefined || nowMs >= known.validUntilMs) return null;
    if ((await keys.keyFor(known.signingKey.kid)) !== known.signingKey.key) return null;
    this.hitCount += 1;
    return known.claims;
  }

  remember(
    connection: object,
    token: string,
    claims: AccessTokenClaims,
    signingKey: VerifiedSigningKey,
  ): void {
    let tokens = this.byConnection.get(connection);
    if (tokens === undefined) this.byConnection.set(connection, (tokens = new Map()));
    if (tokens.size >= verifiedTokensPerConnectionMax) tokens.delete(tokens.keys().next().value!);
    tokens.set(token, {
      claims,
      signingKey,
      validUntilMs: (claims.exp + accessTokenClockSkewSeconds) * 1000,
    });
  }
}
