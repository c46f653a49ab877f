// Internal byte helpers for the TLS presentation language (RFC 8446 §3): big-endian integers and
// length-prefixed vectors. Not exported from the package.
import { TokenBindingError } from '../errors';

/** Concatenates byte arrays into a new one. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const output = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    output.set(part, offset);
    offset += part.length;
  }
  return output;
}

/** A one-byte integer. */
export function uint8(value: number): Uint8Array {
  return new Uint8Array([value]);
}

/** A two-byte big-endian integer. */
export function uint16(value: number): Uint8Array {
  return new Uint8Array([value >> 8, value & 0xff]);
}

/** Whether `value` is a `Uint8Array` (a `Buffer` is one), also across realms. */
export function isBytes(value: unknown): value is Uint8Array {
  return (
    value instanceof Uint8Array ||
    (ArrayBuffer.isView(value) && Object.prototype.toString.call(value) === '[object Uint8Array]')
  );
}

/**
 * Reads a TLS-encoded structure front to back. Every read past the end throws `ERR_TB_MALFORMED`;
 * `finish` throws it if bytes are left over, so a parser cannot forget to check either.
 */
export class ByteReader {
  private offset = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly what: string,
  ) {}

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  uint8(): number {
    return this.take(1)[0]!;
  }

  uint16(): number {
    const pair = this.take(2);
    return (pair[0]! << 8) | pair[1]!;
  }

  take(length: number): Uint8Array {
    if (length > this.remaining)
      throw new TokenBindingError('ERR_TB_MALFORMED', `${this.what}: truncated`);
    const slice = this.bytes.slice(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }

  /** A vector with a one- or two-byte length prefix, as a reader over its contents. */
  vector(prefixLengthBytes: 1 | 2, what: string): ByteReader {
    const length = prefixLengthBytes === 1 ? this.uint8() : this.uint16();
    return new ByteReader(this.take(length), what);
  }

  finish(): void {
    if (this.remaining !== 0)
      throw new TokenBindingError(
        'ERR_TB_MALFORMED',
        `${this.what}: ${this.remaining} trailing bytes`,
      );
  }
}
