import {
  type KeyObject,
  createHash,
  createPrivateKey,
  createPublicKey,
  sign as nodeSign,
  verify as nodeVerify,
} from 'node:crypto';
import { type SignatureAlgorithm, signatureLengthBytes } from '../algorithms';
import { CryptoError, assert } from '../errors';
import { type JwkInput } from '../keys/jwk';
import { checkJwkShape, parsePublicJwk, type ParsedPrivateKey } from '../keys/parse-jwk';
import { publicKeyCacheEntriesMax } from '../limits';
import { BoundedLruCache } from './bounded-lru-cache';

// The node:crypto (OpenSSL) back end, for the services' hot path. Importing a KeyObject costs more
// than a verification, so imported keys are kept in a bounded LRU under the key's `kty:crv:x:y`.
// A key is checked in full (by the same code as the noble back end, so both accept the same keys)
// only on a cache miss; every call still checks the JWK's shape (no private member, right curve).

/** Imported public `KeyObject`s by JWK, for this back end. */
export const nativePublicKeyCache = new BoundedLruCache<string, KeyObject>(
  publicKeyCacheEntriesMax,
);

function keyObjectFor(jwk: JwkInput, alg: SignatureAlgorithm): KeyObject {
  const { cacheKey } = checkJwkShape(jwk, alg, 'public');
  const cached = nativePublicKeyCache.get(cacheKey);
  if (cached !== undefined) return cached;
  const parsed = parsePublicJwk(jwk, alg);
  let keyObject: KeyObject;
  try {
    keyObject = createPublicKey({ key: { ...parsed.jwk }, format: 'jwk' });
  } catch (error) {
    throw new CryptoError('ERR_JWK_INVALID', 'OpenSSL refused the public key', { cause: error });
  }
  assert(keyObject.type === 'public', 'imported a public key');
  return nativePublicKeyCache.set(cacheKey, keyObject);
}

/**
 * Verifies with node:crypto: ES256 as SHA-256 + ECDSA over a raw r‖s (`ieee-p1363`) signature,
 * Ed25519 as pure EdDSA (null digest). A malformed key throws `ERR_JWK_INVALID`; a malformed
 * signature is simply not valid: `false`.
 */
export function verifyWithNative(
  alg: SignatureAlgorithm,
  jwk: JwkInput,
  data: Uint8Array,
  signature: Uint8Array,
): boolean {
  const key = keyObjectFor(jwk, alg);
  if (signature.length !== signatureLengthBytes[alg]) return false;
  try {
    return alg === 'ES256'
      ? nodeVerify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature)
      : nodeVerify(null, data, key, signature);
  } catch {
    return false;
  }
}

/**
 * {@link verifyWithNative} in the libuv threadpool: node:crypto's callback form runs OpenSSL on a
 * worker thread, so a service verifying many signatures keeps its event loop free (and uses a
 * second core). The same key handling and the same results: a malformed key throws
 * `ERR_JWK_INVALID` before anything is queued; a malformed signature resolves `false`.
 */
export function verifyWithNativeAsync(
  alg: SignatureAlgorithm,
  jwk: JwkInput,
  data: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  const key = keyObjectFor(jwk, alg);
  if (signature.length !== signatureLengthBytes[alg]) return Promise.resolve(false);
  return new Promise((resolve) => {
    // OpenSSL's refusal of a signature (an error, synchronous or in the callback) is "not valid", as in the sync form.
    const done = (error: Error | null, valid: boolean) => resolve(error === null && valid);
    try {
      if (alg === 'ES256')
        nodeVerify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature, done);
      else nodeVerify(null, data, key, signature, done);
    } catch {
      resolve(false);
    }
  });
}

/** Imports a checked private key into OpenSSL once, for {@link signWithNativeKey}. */
export function nativePrivateKeyOf(key: ParsedPrivateKey): KeyObject {
  try {
    return createPrivateKey({ key: { ...key.privateJwk }, format: 'jwk' });
  } catch (error) {
    throw new CryptoError('ERR_JWK_INVALID', 'OpenSSL refused the private key', { cause: error });
  }
}

/** Signs with an imported key (randomised k for ES256, so s is high about half the time). */
export function signWithNativeKey(
  alg: SignatureAlgorithm,
  privateKey: KeyObject,
  data: Uint8Array,
): Uint8Array {
  const signature =
    alg === 'ES256'
      ? nodeSign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' })
      : nodeSign(null, data, privateKey);
  assert(signature.length === signatureLengthBytes[alg], 'native signature length');
  return new Uint8Array(signature);
}

/** Signs with node:crypto, importing the key for this one signature. */
export function signWithNative(key: ParsedPrivateKey, data: Uint8Array): Uint8Array {
  return signWithNativeKey(key.alg, nativePrivateKeyOf(key), data);
}

/** SHA-256 of the concatenation of `parts` by OpenSSL (the digest module picks it where it exists). */
export function nativeSha256(parts: readonly Uint8Array[]): Uint8Array {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
}
