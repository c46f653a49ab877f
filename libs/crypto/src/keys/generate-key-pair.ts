import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { type SignatureAlgorithm, checkSignatureAlgorithm } from '../algorithms';
import { base64UrlEncode } from '../encoding/base64';
import { assert } from '../errors';
import { type PrivateJwk, type PublicJwk } from './jwk';
import { parsePrivateJwk } from './parse-jwk';

/**
 * A freshly generated key pair, both halves as JWKs.
 *
 * @example
 * ```ts
 * const { privateJwk, publicJwk }: GeneratedKeyPair = generateKeyPair('EdDSA');
 * ```
 */
export interface GeneratedKeyPair {
  readonly privateJwk: PrivateJwk;
  readonly publicJwk: PublicJwk;
}

/**
 * Generates a key pair from the platform's CSPRNG (`crypto.getRandomValues`, via `@noble/curves`),
 * for tests and for software wallets in the device SDK. Hardware-backed keys (Secure Enclave,
 * StrongBox) are generated on the device, never here.
 *
 * @example
 * ```ts
 * import { generateKeyPair } from '@settle/crypto';
 * const { privateJwk, publicJwk } = generateKeyPair('ES256');
 * ```
 */
export function generateKeyPair(alg: SignatureAlgorithm): GeneratedKeyPair {
  const checkedAlg = checkSignatureAlgorithm(alg);
  let privateJwk: PrivateJwk;
  if (checkedAlg === 'ES256') {
    const secretKey = p256.utils.randomSecretKey();
    const point = p256.getPublicKey(secretKey, false);
    assert(point.length === 65 && point[0] === 0x04, 'uncompressed P-256 point');
    privateJwk = {
      kty: 'EC',
      crv: 'P-256',
      x: base64UrlEncode(point.subarray(1, 33)),
      y: base64UrlEncode(point.subarray(33, 65)),
      d: base64UrlEncode(secretKey),
    };
  } else {
    const secretKey = ed25519.utils.randomSecretKey();
    privateJwk = {
      kty: 'OKP',
      crv: 'Ed25519',
      x: base64UrlEncode(ed25519.getPublicKey(secretKey)),
      d: base64UrlEncode(secretKey),
    };
  }
  // Postcondition: the pair passes the same checks as an imported one.
  const parsed = parsePrivateJwk(privateJwk, checkedAlg);
  return { privateJwk: parsed.privateJwk, publicJwk: parsed.jwk };
}
