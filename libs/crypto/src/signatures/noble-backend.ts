import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { type SignatureAlgorithm, signatureLengthBytes } from '../algorithms';
import { assert } from '../errors';
import { checkJwkShape, parsePublicJwk, type ParsedPrivateKey } from '../keys/parse-jwk';
import { type JwkInput } from '../keys/jwk';
import { publicKeyCacheEntriesMax } from '../limits';
import { BoundedLruCache } from './bounded-lru-cache';

// The @noble/curves back end: pure JavaScript, for the device SDK and browsers, and an independent
// implementation to hold OpenSSL to. Two options differ from the library defaults on purpose:
//  - P-256 `lowS: false`: accept both s and n - s, like OpenSSL, WebCrypto and Wycheproof. About
//    half of the signatures phones and TPMs make have a high s; rejecting them would reject honest
//    payments. (So signature bytes are never an identity: anyone can flip s.)
//  - Ed25519 `zip215: false`: strict RFC 8032 decoding (canonical points, s < L, small-order keys
//    refused), like OpenSSL. ZIP 215 is for consensus systems and accepts encodings OpenSSL does not.
// `format: 'compact'` pins the raw r‖s encoding: without it noble guesses and tries DER first.

/** Parsed public keys (the encoded point) by JWK, for this back end. */
export const noblePublicKeyCache = new BoundedLruCache<string, Uint8Array>(
  publicKeyCacheEntriesMax,
);

function publicKeyBytesFor(jwk: JwkInput, alg: SignatureAlgorithm): Uint8Array {
  const { cacheKey } = checkJwkShape(jwk, alg, 'public');
  return (
    noblePublicKeyCache.get(cacheKey) ??
    noblePublicKeyCache.set(cacheKey, parsePublicJwk(jwk, alg).publicKeyBytes)
  );
}

/**
 * Verifies with @noble/curves. A malformed key throws `ERR_JWK_INVALID`; a malformed signature
 * (wrong length, r or s out of range, undecodable R) is simply not valid: `false`.
 */
export function verifyWithNoble(
  alg: SignatureAlgorithm,
  jwk: JwkInput,
  data: Uint8Array,
  signature: Uint8Array,
): boolean {
  const publicKey = publicKeyBytesFor(jwk, alg);
  if (signature.length !== signatureLengthBytes[alg]) return false;
  try {
    return alg === 'ES256'
      ? p256.verify(signature, data, publicKey, { prehash: true, lowS: false, format: 'compact' })
      : ed25519.verify(signature, data, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

/** Signs with @noble/curves: deterministic (RFC 6979 for ES256, with low s; RFC 8032 for Ed25519). */
export function signWithNoble(key: ParsedPrivateKey, data: Uint8Array): Uint8Array {
  const signature =
    key.alg === 'ES256'
      ? p256.sign(data, key.privateKeyBytes, { prehash: true, lowS: true }).toBytes('compact')
      : ed25519.sign(data, key.privateKeyBytes);
  assert(signature.length === signatureLengthBytes[key.alg], 'noble signature length');
  return signature;
}
