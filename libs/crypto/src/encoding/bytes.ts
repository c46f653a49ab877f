import { CryptoError } from '../errors';

/**
 * Concatenates byte arrays into a new one.
 *
 * @example
 * ```ts
 * concatBytes(new Uint8Array([4]), x, y); // uncompressed point 04‖x‖y
 * ```
 */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  const output = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    output.set(part, offset);
    offset += part.length;
  }
  return output;
}

/**
 * Compares two byte arrays in bytewise lexicographic order (shorter first on a common prefix):
 * negative, zero or positive. This is the RFC 8949 §4.2.1 map key order.
 *
 * @example
 * ```ts
 * compareBytes(new Uint8Array([0x0a]), new Uint8Array([0x18, 0x64])); // < 0
 * ```
 */
export function compareBytes(left: Uint8Array, right: Uint8Array): number {
  const length = Math.min(left.length, right.length);
  for (let index = 0; index < length; index++) {
    const difference = left[index]! - right[index]!;
    if (difference !== 0) return difference;
  }
  return left.length - right.length;
}

/**
 * Whether two byte arrays hold the same bytes. Not constant time: use it on public data only.
 *
 * @example
 * ```ts
 * equalBytes(keyId, expectedKeyId);
 * ```
 */
export function equalBytes(left: Uint8Array, right: Uint8Array): boolean {
  return left.length === right.length && compareBytes(left, right) === 0;
}

/**
 * Encodes bytes as lowercase hexadecimal.
 *
 * @example
 * ```ts
 * bytesToHex(new Uint8Array([0xa1, 0x01])); // 'a101'
 * ```
 */
export function bytesToHex(bytes: Uint8Array): string {
  let output = '';
  for (const byte of bytes) output += byte.toString(16).padStart(2, '0');
  return output;
}

/**
 * Decodes hexadecimal (either case, even length, no separators); throws `ERR_INVALID_ARGUMENT`
 * otherwise.
 *
 * @example
 * ```ts
 * hexToBytes('a101'); // Uint8Array [0xa1, 0x01]
 * ```
 */
export function hexToBytes(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new CryptoError('ERR_INVALID_ARGUMENT', 'not an even-length hexadecimal string');
  }
  const output = new Uint8Array(hex.length / 2);
  for (let index = 0; index < output.length; index++)
    output[index] = parseInt(hex.slice(index * 2, index * 2 + 2), 16);
  return output;
}

/**
 * Whether `value` is a `Uint8Array` (a `Buffer` is one), also across realms (Jest, iframes).
 *
 * @example
 * ```ts
 * isBytes(Buffer.from('hi')); // true
 * ```
 */
export function isBytes(value: unknown): value is Uint8Array {
  return (
    value instanceof Uint8Array ||
    (ArrayBuffer.isView(value) && Object.prototype.toString.call(value) === '[object Uint8Array]')
  );
}
