import { Inject, Injectable } from '@nestjs/common';
import { type AccessTokenClaims, jwtTypes } from '@settle/contracts';
import {
  type CustodyKey,
  KEY_CUSTODY,
  type KeyCustody,
  publishedKeys,
  selectSigningKey,
} from '@settle/key-custody';
import { SERVICE_CONFIG } from '@settle/platform';
import { type TokenIssuerSettings } from '../config';

/** ES256 signatures in JWS are raw r‖s (RFC 7518 §3.4), which is what custody returns. */
const es256SignatureLengthBytes = 64;

/** One key of the issuer's JWKS (RFC 7517), as resource servers fetch it. */
export interface PublishedJwk {
  readonly kty: 'EC';
  readonly crv: 'P-256';
  readonly x: string;
  readonly y: string;
  readonly kid: string;
  readonly alg: 'ES256';
  readonly use: 'sig';
}

function base64urlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/**
 * Signs access tokens with the current token-signing key of custody (the private key never enters this
 * process' code: custody signs the JWS signing input) and publishes the JWKS with the rotation overlap.
 */
@Injectable()
export class TokenSigner {
  constructor(
    @Inject(KEY_CUSTODY) private readonly custody: KeyCustody,
    @Inject(SERVICE_CONFIG) private readonly config: TokenIssuerSettings,
  ) {}

  /** A compact JWS (`typ: at+jwt`, ES256, `kid`) of the claims, signed by the key that signs at `now`. */
  async sign(claims: AccessTokenClaims, now: Date): Promise<string> {
    const key = selectSigningKey(await this.custody.keys('token-signing'), now);
    const signingInput = `${base64urlJson({ alg: 'ES256', typ: jwtTypes.accessToken, kid: key.kid })}.${base64urlJson(claims)}`;
    const signature = await this.custody.sign(
      'token-signing',
      key.kid,
      Buffer.from(signingInput, 'ascii'),
    );
    if (signature.length !== es256SignatureLengthBytes)
      throw new Error(
        `key custody returned a ${signature.length}-byte ES256 signature, expected raw r‖s`,
      );
    return `${signingInput}.${Buffer.from(signature).toString('base64url')}`;
  }

  /**
   * The keys resource servers must accept at `now`: each stays published for the token lifetime plus
   * the clock skew after it stopped signing, and a new one appears the prepublish window ahead.
   */
  async jwks(now: Date): Promise<{ keys: PublishedJwk[] }> {
    const window = {
      overlapMs:
        this.config.SETTLE_TOKEN_ISSUER_TOKEN_TTL_MS +
        this.config.SETTLE_TOKEN_ISSUER_CLOCK_SKEW_MS,
      prepublishMs: this.config.SETTLE_TOKEN_ISSUER_JWKS_PREPUBLISH_MS,
    };
    return {
      keys: publishedKeys(await this.custody.keys('token-signing'), now, window).map(
        toPublishedJwk,
      ),
    };
  }

  /** Every token-signing key custody holds (a refresh may present a token signed by a key already unpublished). */
  async allKeys(): Promise<readonly CustodyKey[]> {
    return this.custody.keys('token-signing');
  }
}

function toPublishedJwk(key: CustodyKey): PublishedJwk {
  return {
    kty: 'EC',
    crv: 'P-256',
    x: key.publicJwk.x,
    y: key.publicJwk.y,
    kid: key.kid,
    alg: 'ES256',
    use: 'sig',
  };
}
