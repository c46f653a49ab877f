import { type SignatureAlgorithm, type SignatureBackend } from '../algorithms';
import { type JwkInput } from '../keys/jwk';
import { checkVerifyInput } from './check-verify-input';
import { verifyWithNative } from './native-backend';
import { verifyWithNoble } from './noble-backend';

/**
 * The arguments of {@link verifySignature}.
 *
 * @example
 * ```ts
 * const input: VerifySignatureInput = { alg: 'EdDSA', jwk, data, signature, backend: 'noble' };
 * ```
 */
export interface VerifySignatureInput {
  /** `'ES256'` (ECDSA P-256, SHA-256) or `'EdDSA'` (Ed25519). */
  readonly alg: SignatureAlgorithm;
  /** The signer's public JWK. Optional members (`kid`, `alg`, `use`, `key_ops`) are allowed if consistent. */
  readonly jwk: JwkInput;
  /** The exact bytes that were signed. */
  readonly data: Uint8Array;
  /** Raw r‖s (64 bytes) for ES256 (convert DER with `ecdsaDerToRaw`), R‖S (64 bytes) for EdDSA. */
  readonly signature: Uint8Array;
  /** `'native'` (node:crypto) on the services, `'noble'` (@noble/curves) on devices and in browsers. */
  readonly backend: SignatureBackend;
}

/**
 * Verifies a signature; the one verification interface, with two back ends that agree on every
 * Wycheproof and RFC vector. Both accept high-s ES256 signatures (so a signature is never an
 * identity) and apply strict RFC 8032 rules to Ed25519.
 *
 * Failure modes, by design: a signature that is wrong, malformed or of the wrong length gives
 * `false`; a malformed key (private members, wrong `kty`/`crv` for `alg`, bad encoding, a point not
 * on the curve) throws `CryptoError` `ERR_JWK_INVALID`, because that is the caller's configuration
 * error, not the signer's; an unknown `alg` throws `ERR_ALG_NOT_SUPPORTED`; bad argument types throw
 * `ERR_INVALID_ARGUMENT`. Nothing else escapes.
 *
 * @example
 * ```ts
 * import { verifySignature } from '@settle/crypto';
 * const valid = verifySignature({ alg: 'ES256', jwk: devicePublicJwk, data, signature, backend: 'native' });
 * ```
 */
export function verifySignature(input: VerifySignatureInput): boolean {
  const { alg, backend, jwk, data, signature } = checkVerifyInput(input, 'verifySignature');
  return backend === 'native'
    ? verifyWithNative(alg, jwk, data, signature)
    : verifyWithNoble(alg, jwk, data, signature);
}
