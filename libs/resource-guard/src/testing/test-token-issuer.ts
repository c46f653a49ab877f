// Test support: an ES256 token issuer with its JWKS, binding keys, and DPoP proofs, for the guard's
// tests and for other services' tests of routes behind the guard.
import { randomUUID } from 'node:crypto';
import { type AccessTokenClaims, jwtTypes } from '@settle/contracts';
import {
  type Es256PrivateJwk,
  type Es256PublicJwk,
  calculateJwkThumbprint,
  generateKeyPair,
} from '@settle/crypto';
import { tokenBindingIdFromJwk, tokenBindingIdHash } from '@settle/token-binding';
import { type JWK, type JWTHeaderParameters, SignJWT, importJWK } from 'jose';
import { type JsonWebKeySet } from '../access-token/jwks-key-store';
import { accessTokenHash } from '../dpop/verify-dpop-proof';

/** A device's binding key: the private JWK and what a bound token's `cnf` says of it. */
export interface TestBindingKey {
  readonly privateJwk: Es256PrivateJwk;
  readonly publicJwk: Es256PublicJwk;
  /** RFC 7638 thumbprint (`cnf.jkt`). */
  readonly keyId: string;
  /** SHA-256 of the RFC 8471 TokenBindingID (`cnf.tbh`). */
  readonly tokenBindingIdHash: string;
}

/**
 * A fresh P-256 binding key.
 *
 * @example
 * const device = createTestBindingKey();
 * const token = await issuer.sign({ cnf: { jkt: device.keyId, tbh: device.tokenBindingIdHash } });
 */
export function createTestBindingKey(): TestBindingKey {
  const { privateJwk, publicJwk } = generateKeyPair('ES256');
  const keyId = calculateJwkThumbprint(publicJwk);
  return {
    privateJwk: privateJwk as Es256PrivateJwk,
    publicJwk: publicJwk as Es256PublicJwk,
    keyId,
    tokenBindingIdHash: tokenBindingIdHash(tokenBindingIdFromJwk(publicJwk)),
  };
}

export interface TestTokenIssuer {
  readonly issuer: string;
  readonly audience: string;
  /** The current signing key's kid. */
  readonly kid: string;
  /** The public keys, as the issuer's JWKS endpoint would serve them (a copy; it follows `rotate`). */
  jwks(): JsonWebKeySet;
  /** Valid claims for `bindingKey` (issued now, 5 minutes), with `overrides` applied. */
  claims(bindingKey: TestBindingKey, overrides?: Partial<AccessTokenClaims>): AccessTokenClaims;
  /** Signs `claims` (ES256, `typ: at+jwt`, current kid); `header` overrides header parameters. */
  sign(claims: AccessTokenClaims, header?: Partial<JWTHeaderParameters>): Promise<string>;
  /** `claims` + `sign` in one step. */
  tokenFor(bindingKey: TestBindingKey, overrides?: Partial<AccessTokenClaims>): Promise<string>;
  /** A new signing key under a new kid; the old one stays in the JWKS unless `dropOld`. */
  rotate(options?: { dropOld?: boolean }): void;
  /** The current signing key's public JWK (for HMAC-confusion tests). */
  readonly publicJwk: Es256PublicJwk;
}

/**
 * An in-process token issuer for tests: ES256 keys, a JWKS, and access tokens shaped exactly as
 * `AccessTokenClaims`.
 *
 * @example
 * const issuer = createTestTokenIssuer();
 * const token = await issuer.tokenFor(createTestBindingKey(), { role: 'pos-terminal' });
 * // configure the guard with issuer.issuer, issuer.audience and SETTLE_AUTH_JWKS=JSON.stringify(issuer.jwks())
 */
export function createTestTokenIssuer(
  options: { issuer?: string; audience?: string; now?: () => Date } = {},
): TestTokenIssuer {
  const issuer = options.issuer ?? 'https://tokens.settle.test';
  const audience = options.audience ?? 'settle';
  const now = options.now ?? (() => new Date());
  const keys: Array<{ kid: string; privateJwk: Es256PrivateJwk; publicJwk: Es256PublicJwk }> = [];
  const addKey = () => {
    const { privateJwk, publicJwk } = generateKeyPair('ES256');
    keys.push({
      kid: `test-${randomUUID().slice(0, 8)}`,
      privateJwk: privateJwk as Es256PrivateJwk,
      publicJwk: publicJwk as Es256PublicJwk,
    });
  };
  addKey();
  const current = () => keys[keys.length - 1]!;
  const self: TestTokenIssuer = {
    issuer,
    audience,
    get kid() {
      return current().kid;
    },
    get publicJwk() {
      return current().publicJwk;
    },
    jwks: () => ({
      keys: keys.map(
        ({ kid, publicJwk }) => ({ ...publicJwk, kid, alg: 'ES256', use: 'sig' }) as JWK,
      ),
    }),
    claims: (bindingKey, overrides = {}) => {
      const iat = Math.floor(now().getTime() / 1000);
      return {
        iss: issuer,
        sub: 'dev_test_device',
        aud: [audience],
        iat,
        nbf: iat,
        exp: iat + 300,
        jti: randomUUID(),
        sid: `ses_${randomUUID().slice(0, 12)}`,
        cnf: { jkt: bindingKey.keyId, tbh: bindingKey.tokenBindingIdHash },
        att: { level: 'tee', kind: 'registration' },
        role: 'consumer-device',
        owner: 'acc_test_owner',
        ...overrides,
      };
    },
    sign: async (claims, header = {}) => {
      const key = current();
      return new SignJWT({ ...claims, aud: [...claims.aud] })
        .setProtectedHeader({ alg: 'ES256', typ: jwtTypes.accessToken, kid: key.kid, ...header })
        .sign(await importJWK(key.privateJwk, 'ES256'));
    },
    tokenFor: (bindingKey, overrides) => self.sign(self.claims(bindingKey, overrides)),
    rotate: ({ dropOld = false } = {}) => {
      if (dropOld) keys.splice(0, keys.length);
      addKey();
    },
  };
  return self;
}

export interface DpopProofInput {
  readonly bindingKey: TestBindingKey;
  readonly method: string;
  readonly url: string;
  readonly accessToken: string;
  readonly nonce?: string;
  /** Seconds since the epoch; default now. */
  readonly iat?: number;
  readonly jti?: string;
  /** Claims to add or replace (e.g. a wrong `ath`). */
  readonly claims?: Record<string, unknown>;
  readonly header?: Partial<JWTHeaderParameters>;
}

/**
 * An RFC 9449 DPoP proof made with `bindingKey`.
 *
 * @example
 * const proof = await createDpopProof({ bindingKey, method: 'GET', url: 'https://api.settle.test/me', accessToken, nonce });
 */
export async function createDpopProof(input: DpopProofInput): Promise<string> {
  const { privateJwk, publicJwk } = input.bindingKey;
  return new SignJWT({
    jti: input.jti ?? randomUUID(),
    htm: input.method,
    htu: input.url,
    iat: input.iat ?? Math.floor(Date.now() / 1000),
    ath: accessTokenHash(input.accessToken),
    ...(input.nonce !== undefined ? { nonce: input.nonce } : {}),
    ...input.claims,
  })
    .setProtectedHeader({
      alg: 'ES256',
      typ: jwtTypes.dpopProof,
      jwk: { kty: 'EC', crv: 'P-256', x: publicJwk.x, y: publicJwk.y },
      ...input.header,
    })
    .sign(await importJWK(privateJwk, 'ES256'));
}
