import { concatBytes, isBytes } from '../encoding/bytes';
import { CryptoError, assert } from '../errors';

/** Bytes in each of r and s of a P-256 signature. */
const scalarLengthBytes = 32;
/** Largest strict DER ECDSA-Sig-Value for P-256: 30 len (02 21 00‖r) (02 21 00‖s). */
const derSignatureLengthMaxBytes = 2 + 2 * (2 + 1 + scalarLengthBytes);

function invalid(message: string): CryptoError {
  return new CryptoError('ERR_ECDSA_SIGNATURE_ENCODING_INVALID', message);
}

/** Reads one strictly encoded non-negative INTEGER at `offset`; returns its 32-byte value and the next offset. */
function readInteger(der: Uint8Array, offset: number): { value: Uint8Array; next: number } {
  if (der[offset] !== 0x02) throw invalid('expected an INTEGER');
  const length = der[offset + 1];
  // Short-form length only: every P-256 INTEGER is shorter than 128 bytes, so a long form is BER.
  if (length === undefined || length === 0 || length >= 0x80)
    throw invalid('INTEGER length is zero or not in short form');
  const start = offset + 2;
  const end = start + length;
  if (end > der.length) throw invalid('INTEGER runs past the end');
  const content = der.subarray(start, end);
  if ((content[0]! & 0x80) !== 0) throw invalid('INTEGER is negative');
  if (content.length > 1 && content[0] === 0x00 && (content[1]! & 0x80) === 0)
    throw invalid('INTEGER has a superfluous leading zero');
  const magnitude = content[0] === 0x00 && content.length > 1 ? content.subarray(1) : content;
  if (magnitude.length > scalarLengthBytes) throw invalid('INTEGER is larger than 256 bits');
  const value = new Uint8Array(scalarLengthBytes);
  value.set(magnitude, scalarLengthBytes - magnitude.length);
  return { value, next: end };
}

/**
 * Converts a strictly DER-encoded ECDSA-Sig-Value (RFC 3279 §2.2.3, as OpenSSL, Java and X.509
 * produce) to the raw 64-byte r‖s that JOSE and COSE use. Anything that is not strict DER throws
 * `ERR_ECDSA_SIGNATURE_ENCODING_INVALID`: long-form or indefinite lengths, negative or zero-padded
 * integers, trailing bytes, values over 256 bits. Range checks (0 < r, s < n) are left to
 * verification, which fails for them.
 *
 * @example
 * ```ts
 * import { ecdsaDerToRaw, verifySignature } from '@settle/crypto';
 * const signature = ecdsaDerToRaw(derSignatureFromAndroidKeystore);
 * verifySignature({ alg: 'ES256', jwk, data, signature, backend: 'native' });
 * ```
 */
export function ecdsaDerToRaw(der: Uint8Array): Uint8Array {
  if (!isBytes(der))
    throw new CryptoError('ERR_INVALID_ARGUMENT', 'a DER signature must be a Uint8Array');
  if (der.length < 8 || der.length > derSignatureLengthMaxBytes)
    throw invalid('length outside 8..72 bytes');
  if (der[0] !== 0x30) throw invalid('expected a SEQUENCE');
  if (der[1] !== der.length - 2)
    throw invalid('SEQUENCE length does not match the input (or is not in short form)');
  const r = readInteger(der, 2);
  const s = readInteger(der, r.next);
  if (s.next !== der.length) throw invalid('bytes after the second INTEGER');
  const raw = concatBytes(r.value, s.value);
  assert(raw.length === 2 * scalarLengthBytes, 'raw signature length');
  return raw;
}

function encodeInteger(value: Uint8Array): Uint8Array {
  let start = 0;
  while (start < value.length - 1 && value[start] === 0x00) start++;
  const magnitude = value.subarray(start);
  const content =
    (magnitude[0]! & 0x80) !== 0 ? concatBytes(new Uint8Array([0x00]), magnitude) : magnitude;
  return concatBytes(new Uint8Array([0x02, content.length]), content);
}

/**
 * Converts a raw 64-byte r‖s ECDSA P-256 signature to strict DER, for APIs that want DER
 * (X.509, WebAuthn, Java). Throws `ERR_ECDSA_SIGNATURE_ENCODING_INVALID` for any other length.
 *
 * @example
 * ```ts
 * import { ecdsaRawToDer } from '@settle/crypto';
 * const der = ecdsaRawToDer(signature); // 30 44..46 02 …
 * ```
 */
export function ecdsaRawToDer(raw: Uint8Array): Uint8Array {
  if (!isBytes(raw))
    throw new CryptoError('ERR_INVALID_ARGUMENT', 'a raw signature must be a Uint8Array');
  if (raw.length !== 2 * scalarLengthBytes)
    throw invalid(`a raw ES256 signature is ${2 * scalarLengthBytes} bytes`);
  const body = concatBytes(
    encodeInteger(raw.subarray(0, scalarLengthBytes)),
    encodeInteger(raw.subarray(scalarLengthBytes)),
  );
  const der = concatBytes(new Uint8Array([0x30, body.length]), body);
  assert(der.length <= derSignatureLengthMaxBytes, 'DER signature length');
  return der;
}
