import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { nativeSha256 } from '../signatures/native-backend';

/**
 * Length of a SHA-256 digest.
 *
 * @example
 * if (digest.length !== sha256LengthBytes) throw new Error('not a SHA-256 digest');
 */
export const sha256LengthBytes = 32;

/**
 * SHA-256 of the concatenation of `parts`, without building the concatenation. OpenSSL where Node's
 * crypto is there (the services' hot path: it is about ten times faster than JavaScript on short
 * inputs), @noble/hashes otherwise; both give the same bytes (a test holds them equal).
 *
 * @example
 * const transactionId = sha256Concat([label, requestBytes, protectedHeaderBytes]);
 */
export function sha256Concat(
  parts: readonly Uint8Array[],
  backend: 'native' | 'noble' = defaultBackend,
): Uint8Array {
  if (backend === 'native') return nativeSha256(parts);
  const hash = nobleSha256.create();
  for (const part of parts) hash.update(part);
  return hash.digest();
}

const defaultBackend: 'native' | 'noble' =
  typeof process !== 'undefined' && typeof process.versions?.node === 'string' ? 'native' : 'noble';
