/**
 * A public ES256 key as a JWK (RFC 7518 §6.2): P-256 coordinates, each exactly 32 bytes,
 * unpadded base64url.
 *
 * @example
 * ```ts
 * const jwk: Es256PublicJwk = { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2…', y: 'x_FEzRu9…' };
 * ```
 */
export type Es256PublicJwk = {
  readonly kty: 'EC';
  readonly crv: 'P-256';
  readonly x: string;
  readonly y: string;
};

/**
 * A public Ed25519 key as a JWK (RFC 8037 §2): the 32-byte encoded point in `x`.
 *
 * @example
 * ```ts
 * const jwk: Ed25519PublicJwk = { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' };
 * ```
 */
export type Ed25519PublicJwk = { readonly kty: 'OKP'; readonly crv: 'Ed25519'; readonly x: string };

/**
 * A public key of either supported type, holding only the members that define it.
 *
 * @example
 * ```ts
 * const jwk: PublicJwk = importPublicJwk(untrusted);
 * ```
 */
export type PublicJwk = Es256PublicJwk | Ed25519PublicJwk;

/**
 * A private ES256 key: the public members plus the 32-byte scalar `d`.
 *
 * @example
 * ```ts
 * const { privateJwk } = generateKeyPair('ES256'); // an Es256PrivateJwk
 * ```
 */
export type Es256PrivateJwk = Es256PublicJwk & { readonly d: string };

/**
 * A private Ed25519 key: the public member plus the 32-byte seed `d`.
 *
 * @example
 * ```ts
 * const { privateJwk } = generateKeyPair('EdDSA'); // an Ed25519PrivateJwk
 * ```
 */
export type Ed25519PrivateJwk = Ed25519PublicJwk & { readonly d: string };

/**
 * A private key of either supported type.
 *
 * @example
 * ```ts
 * const signingKey: PrivateJwk = importPrivateJwk(JSON.parse(secretJson));
 * ```
 */
export type PrivateJwk = Es256PrivateJwk | Ed25519PrivateJwk;

/**
 * What the functions taking a JWK accept: any object, typically parsed JSON. It is checked at run
 * time; optional members (`kid`, `alg`, `use`, `key_ops`, …) are allowed and checked for consistency.
 *
 * @example
 * ```ts
 * const input: JwkInput = JSON.parse(body) as JwkInput;
 * ```
 */
export type JwkInput = { readonly [member: string]: unknown };
