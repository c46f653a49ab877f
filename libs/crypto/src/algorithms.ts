import { CryptoError } from './errors';

/**
 * The signature algorithms this library implements, by their JOSE names: ECDSA P-256 with SHA-256
 * (what phone secure hardware offers) and Ed25519 (RFC 8032, "EdDSA" in RFC 8037; RFC 9864 later
 * renamed it "Ed25519", which JWKs may carry in `alg`).
 *
 * @example
 * ```ts
 * import { signatureAlgorithms } from '@settle/crypto';
 * signatureAlgorithms; // ['ES256', 'EdDSA']
 * ```
 */
export const signatureAlgorithms = ['ES256', 'EdDSA'] as const;

/**
 * `'ES256' | 'EdDSA'`.
 *
 * @example
 * ```ts
 * const alg: SignatureAlgorithm = 'ES256';
 * ```
 */
export type SignatureAlgorithm = (typeof signatureAlgorithms)[number];

/**
 * Which implementation performs the curve arithmetic: `'native'` is `node:crypto` (OpenSSL), for
 * the services' hot path; `'noble'` is `@noble/curves` (audited pure JavaScript), for the device
 * SDK, browsers and as an independent second opinion.
 *
 * @example
 * ```ts
 * const backend: SignatureBackend = process.release?.name === 'node' ? 'native' : 'noble';
 * ```
 */
export type SignatureBackend = 'native' | 'noble';

/**
 * Both back ends, for tests that run every case on each.
 *
 * @example
 * ```ts
 * for (const backend of signatureBackends) verifySignature({ alg, jwk, data, signature, backend });
 * ```
 */
export const signatureBackends: readonly SignatureBackend[] = ['native', 'noble'];

/**
 * Length of a signature in bytes: raw `r‖s` for ES256 (2 × 32), `R‖S` for Ed25519 (2 × 32).
 *
 * @example
 * ```ts
 * if (signature.length !== signatureLengthBytes.ES256) return false;
 * ```
 */
export const signatureLengthBytes: Readonly<Record<SignatureAlgorithm, number>> = {
  ES256: 64,
  EdDSA: 64,
};

/**
 * COSE algorithm identifiers (IANA "COSE Algorithms" registry): ES256 is -7, EdDSA is -8.
 *
 * @example
 * ```ts
 * coseAlgorithmIds.ES256; // -7
 * ```
 */
export const coseAlgorithmIds: Readonly<Record<SignatureAlgorithm, number>> = {
  ES256: -7,
  EdDSA: -8,
};

/** Narrows `value` to a {@link SignatureAlgorithm} or throws `ERR_ALG_NOT_SUPPORTED`. */
export function checkSignatureAlgorithm(value: unknown): SignatureAlgorithm {
  if (value === 'ES256' || value === 'EdDSA') return value;
  throw new CryptoError(
    'ERR_ALG_NOT_SUPPORTED',
    `unsupported signature algorithm: ${String(value)}`,
  );
}

/** Narrows `value` to a {@link SignatureBackend} or throws `ERR_INVALID_ARGUMENT`. */
export function checkSignatureBackend(value: unknown): SignatureBackend {
  if (value === 'native' || value === 'noble') return value;
  throw new CryptoError(
    'ERR_INVALID_ARGUMENT',
    `backend must be 'native' or 'noble', got ${String(value)}`,
  );
}
