import { Tag as CborTag } from 'cbor2';
import { cborNestingDepthMax } from '../limits';

// A fast path in front of `decodeCborStrict` (libs/crypto, built on cbor2), for the verifier's hot
// path: cbor2 spends about 40 µs on a 116-byte payment request, as long as an ES256 verification.
// This decoder handles only input that is already in the strict deterministic profile and only
// the item types the protocol uses; on anything else (or anything unusual) it declines, and the
// caller falls back to `decodeCborStrict`, which decides and names the error. So it can only ever
// accept less than the strict decoder, never more: a differential property test holds the two
// together (accepted here ⇒ accepted there, with an equal value). Callers use
// `decodeCborDeterministic`, which tries this first.

/** Returned when the fast path does not decide; the strict decoder must. */
export const fastDecodeDeclined: unique symbol = Symbol('fast CBOR decode declined');

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Thrown inside, caught at the top: one preallocated value, so declining costs no allocation. */
const decline = { declined: true } as const;

class FastReader {
  offset = 0;

  constructor(private readonly bytes: Uint8Array) {}

  /** The argument of a head whose additional information is `info`, in its shortest form only. */
  argument(info: number): number | bigint {
    const bytes = this.bytes;
    if (info < 24) return info;
    let value: number;
    if (info === 24) {
      if (this.offset + 1 > bytes.length) throw decline;
      value = bytes[this.offset]!;
      this.offset += 1;
      if (value < 24) throw decline;
      return value;
    }
    if (info === 25) {
      if (this.offset + 2 > bytes.length) throw decline;
      value = (bytes[this.offset]! << 8) | bytes[this.offset + 1]!;
      this.offset += 2;
      if (value < 0x100) throw decline;
      return value;
    }
    if (info === 26) {
      if (this.offset + 4 > bytes.length) throw decline;
      value =
        bytes[this.offset]! * 0x1000000 +
        ((bytes[this.offset + 1]! << 16) |
          (bytes[this.offset + 2]! << 8) |
          bytes[this.offset + 3]!);
      this.offset += 4;
      if (value < 0x10000) throw decline;
      return value;
    }
    if (info === 27) {
      if (this.offset + 8 > bytes.length) throw decline;
      const high =
        bytes[this.offset]! * 0x1000000 +
        ((bytes[this.offset + 1]! << 16) |
          (bytes[this.offset + 2]! << 8) |
          bytes[this.offset + 3]!);
      const low =
        bytes[this.offset + 4]! * 0x1000000 +
        ((bytes[this.offset + 5]! << 16) |
          (bytes[this.offset + 6]! << 8) |
          bytes[this.offset + 7]!);
      this.offset += 8;
      if (high === 0) throw decline; // fits in 4 bytes: not the shortest form
      // Below 2^53 the number is exact (high < 2^21); above, a bigint, as decodeCborStrict gives.
      if (high < 0x200000) return high * 0x100000000 + low;
      return (BigInt(high) << 32n) | BigInt(low);
    }
    throw decline; // 28–30 reserved, 31 indefinite length
  }

  /** A length: a safe number no larger than what is left of the input. */
  length(info: number): number {
    const value = this.argument(info);
    if (typeof value !== 'number' || value > this.bytes.length - this.offset) throw decline;
    return value;
  }

  item(depth: number): unknown {
    if (depth > cborNestingDepthMax || this.offset >= this.bytes.length) throw decline;
    const initial = this.bytes[this.offset]!;
    this.offset += 1;
    const major = initial >> 5;
    const info = initial & 0x1f;
    switch (major) {
      case 0:
        return this.argument(info);
      case 1: {
        const argument = this.argument(info);
        return typeof argument === 'number' ? -1 - argument : -1n - argument;
      }
      case 2: {
        const length = this.length(info);
        const start = this.offset;
        this.offset += length;
        return this.bytes.subarray(start, this.offset);
      }
      case 3: {
        const length = this.length(info);
        const start = this.offset;
        this.offset += length;
        return this.text(start, this.offset);
      }
      case 4: {
        const count = this.length(info);
        const items: unknown[] = [];
        for (let index = 0; index < count; index++) items.push(this.item(depth + 1));
        return items;
      }
      case 5:
        return this.map(this.length(info), depth);
      case 6: {
        const tag = this.argument(info);
        if (typeof tag !== 'number' || tag > 0xffffffff) throw decline;
        return new CborTag(tag, this.item(depth + 1));
      }
      default:
        // major 7: only false, true and null belong to the profile; the rest goes to the strict decoder.
        if (initial === 0xf4) return false;
        if (initial === 0xf5) return true;
        if (initial === 0xf6) return null;
        throw decline;
    }
  }

  /** UTF-8 text, validated (an invalid sequence declines: the strict decoder names it). */
  private text(start: number, end: number): string {
    try {
      return utf8.decode(this.bytes.subarray(start, end));
    } catch {
      throw decline;
    }
  }

  map(count: number, depth: number): Map<unknown, unknown> {
    const map = new Map<unknown, unknown>();
    let previousStart = -1;
    let previousEnd = -1;
    for (let index = 0; index < count; index++) {
      const keyStart = this.offset;
      const key = this.item(depth + 1);
      const keyEnd = this.offset;
      // RFC 8949 §4.2.1: keys in strictly increasing bytewise order of their encodings (so no duplicates).
      if (
        previousStart >= 0 &&
        !this.encodedKeyIncreases(previousStart, previousEnd, keyStart, keyEnd)
      )
        throw decline;
      previousStart = keyStart;
      previousEnd = keyEnd;
      map.set(key, this.item(depth + 1));
    }
    return map;
  }

  private encodedKeyIncreases(
    previousStart: number,
    previousEnd: number,
    start: number,
    end: number,
  ): boolean {
    const bytes = this.bytes;
    const length = Math.min(previousEnd - previousStart, end - start);
    for (let index = 0; index < length; index++) {
      const difference = bytes[start + index]! - bytes[previousStart + index]!;
      if (difference !== 0) return difference > 0;
    }
    return end - start > previousEnd - previousStart;
  }
}

/**
 * Decodes one CBOR data item that is in the strict deterministic profile of `decodeCborStrict`,
 * giving the same value it would (Maps, safe integers as numbers and others as bigints, byte
 * strings as views of the input, tags as `CborTag`), or returns {@link fastDecodeDeclined} for
 * anything it does not handle — including all invalid input. Callers use `decodeCborDeterministic`.
 *
 * @example
 * ```ts
 * const value = decodeCborFast(bytes);
 * if (value === fastDecodeDeclined) return decodeCborStrict(bytes);
 * ```
 */
export function decodeCborFast(bytes: Uint8Array): unknown {
  const reader = new FastReader(bytes);
  try {
    const value = reader.item(0);
    return reader.offset === bytes.length ? value : fastDecodeDeclined;
  } catch (error) {
    if (error === decline) return fastDecodeDeclined;
    throw error;
  }
}
