import { Tag as CborTag } from 'cbor2';

// A fast path in front of cbor2's deterministic encoder, for the services' hot path: the verifier
// encodes three items per processor confirmation (payload, protected header, COSE_Sign1), and cbor2
// spends most of that time in option handling, per-key sub-encoders and its growable writer. This
// encoder handles only the item types the protocol uses, in the profile of
// `encodeCborDeterministic`: safe integers and bigints up to 64 bits, text, byte strings (plain
// `Uint8Array`), arrays, `Map`s, plain objects, tags, booleans and null. On anything else (floats,
// -0, undefined, bignums, typed arrays, Buffers, class instances, two keys that encode alike, deep
// nesting) it declines and the caller falls back to cbor2, which encodes or names the error. A
// differential property test holds the two together (encoded here ⇒ the same bytes as cbor2).

/** Returned when the fast path does not decide; cbor2 must. */
export const fastEncodeDeclined: unique symbol = Symbol('fast CBOR encode declined');

/** Thrown inside, caught at the top: one preallocated value, so declining costs no allocation. */
const decline = { declined: true } as const;

/** Deeper items are left to cbor2 (the protocol's structures nest three or four levels). */
const nestingDepthMax = 32;

const majorType = {
  unsigned: 0,
  negative: 1,
  bytes: 2,
  text: 3,
  array: 4,
  map: 5,
  tag: 6,
} as const;

const simpleFalse = 0xf4;
const simpleTrue = 0xf5;
const simpleNull = 0xf6;
const uint64Max = 0xffff_ffff_ffff_ffffn;
const twoTo32 = 0x1_0000_0000;

const utf8 = new TextEncoder();

/** A growable byte buffer that the map sorting can rearrange in place. */
class ByteWriter {
  bytes = new Uint8Array(256);
  length = 0;

  reserve(count: number): void {
    if (this.length + count <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + count));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  /** A head in its shortest form; `argument` is a non-negative safe integer. */
  head(major: number, argument: number): void {
    this.reserve(9);
    const bytes = this.bytes;
    const type = major << 5;
    if (argument < 24) {
      bytes[this.length++] = type | argument;
    } else if (argument <= 0xff) {
      bytes[this.length++] = type | 24;
      bytes[this.length++] = argument;
    } else if (argument <= 0xffff) {
      bytes[this.length++] = type | 25;
      bytes[this.length++] = argument >>> 8;
      bytes[this.length++] = argument & 0xff;
    } else if (argument < twoTo32) {
      bytes[this.length++] = type | 26;
      this.uint32(argument);
    } else {
      bytes[this.length++] = type | 27;
      this.uint32(Math.floor(argument / twoTo32));
      this.uint32(argument >>> 0);
    }
  }

  /** A head whose argument is a bigint of 0 to 2^64 - 1. */
  bigHead(major: number, argument: bigint): void {
    if (argument <= BigInt(Number.MAX_SAFE_INTEGER)) return this.head(major, Number(argument));
    this.reserve(9);
    this.bytes[this.length++] = (major << 5) | 27;
    this.uint32(Number(argument >> 32n));
    this.uint32(Number(argument & 0xffff_ffffn));
  }

  uint32(value: number): void {
    const bytes = this.bytes;
    bytes[this.length++] = value >>> 24;
    bytes[this.length++] = (value >>> 16) & 0xff;
    bytes[this.length++] = (value >>> 8) & 0xff;
    bytes[this.length++] = value & 0xff;
  }

  write(chunk: Uint8Array): void {
    this.reserve(chunk.length);
    this.bytes.set(chunk, this.length);
    this.length += chunk.length;
  }

  /** Text as UTF-8; ASCII (identifiers, currencies, reason codes) is copied without TextEncoder. */
  text(value: string): void {
    const length = value.length;
    this.reserve(9 + length);
    const start = this.length;
    this.head(majorType.text, length);
    const bytes = this.bytes;
    for (let index = 0; index < length; index++) {
      const code = value.charCodeAt(index);
      if (code >= 0x80) {
        this.length = start;
        const encoded = utf8.encode(value);
        this.head(majorType.text, encoded.length);
        this.write(encoded);
        return;
      }
      bytes[this.length++] = code;
    }
  }
}

/** One map entry's place in the writer: its key's bytes are [start, keyEnd), its value's up to end. */
interface EntrySpan {
  readonly start: number;
  readonly keyEnd: number;
  readonly end: number;
}

function encodeItem(writer: ByteWriter, value: unknown, depth: number): void {
  switch (typeof value) {
    case 'number':
      return encodeNumber(writer, value);
    case 'bigint':
      return encodeBigInt(writer, value);
    case 'string':
      return writer.text(value);
    case 'boolean':
      writer.reserve(1);
      writer.bytes[writer.length++] = value ? simpleTrue : simpleFalse;
      return;
    case 'object':
      return encodeObject(writer, value, depth);
    default:
      throw decline;
  }
}

function encodeNumber(writer: ByteWriter, value: number): void {
  // Floats, -0 and unsafe integers are cbor2's to refuse.
  if (!Number.isSafeInteger(value) || Object.is(value, -0)) throw decline;
  if (value >= 0) writer.head(majorType.unsigned, value);
  else writer.head(majorType.negative, -1 - value);
}

function encodeBigInt(writer: ByteWriter, value: bigint): void {
  const negative = value < 0n;
  const argument = negative ? -1n - value : value;
  // Beyond 64 bits cbor2 writes a bignum tag: rare, left to it.
  if (argument > uint64Max) throw decline;
  writer.bigHead(negative ? majorType.negative : majorType.unsigned, argument);
}

function encodeObject(writer: ByteWriter, value: object | null, depth: number): void {
  if (value === null) {
    writer.reserve(1);
    writer.bytes[writer.length++] = simpleNull;
    return;
  }
  if (depth >= nestingDepthMax) throw decline;
  // Exact classes only, by prototype (a `constructor` member can lie): subclasses such as Buffer
  // may have encoders of their own.
  switch (Object.getPrototypeOf(value)) {
    case Uint8Array.prototype: {
      const bytes = value as Uint8Array;
      writer.head(majorType.bytes, bytes.length);
      return writer.write(bytes);
    }
    case Array.prototype:
      return encodeArray(writer, value as readonly unknown[], depth + 1);
    case Map.prototype:
      return encodeMap(writer, value as ReadonlyMap<unknown, unknown>, depth + 1);
    case CborTag.prototype:
      return encodeTag(writer, value as CborTag, depth + 1);
    case Object.prototype:
      return encodePlainObject(writer, value as Record<string, unknown>, depth + 1);
    default:
      throw decline;
  }
}

function encodeArray(writer: ByteWriter, items: readonly unknown[], depth: number): void {
  writer.head(majorType.array, items.length);
  for (let index = 0; index < items.length; index++) encodeItem(writer, items[index], depth);
}

function encodeTag(writer: ByteWriter, tag: CborTag, depth: number): void {
  if (typeof tag.tag !== 'number' || !Number.isSafeInteger(tag.tag) || tag.tag < 0) throw decline;
  writer.head(majorType.tag, tag.tag);
  encodeItem(writer, tag.contents, depth);
}

function encodeMap(writer: ByteWriter, map: ReadonlyMap<unknown, unknown>, depth: number): void {
  writer.head(majorType.map, map.size);
  const spans: EntrySpan[] = [];
  for (const [key, value] of map) spans.push(encodeEntry(writer, key, value, depth));
  sortEntries(writer, spans);
}

function encodePlainObject(
  writer: ByteWriter,
  object: Record<string, unknown>,
  depth: number,
): void {
  // cbor2 would call these instead of reading the members.
  if (typeof object['toCBOR'] === 'function' || typeof object['toJSON'] === 'function')
    throw decline;
  const keys = Object.keys(object);
  writer.head(majorType.map, keys.length);
  const spans: EntrySpan[] = [];
  for (const key of keys) spans.push(encodeEntry(writer, key, object[key], depth));
  sortEntries(writer, spans);
}

function encodeEntry(writer: ByteWriter, key: unknown, value: unknown, depth: number): EntrySpan {
  const start = writer.length;
  encodeItem(writer, key, depth);
  const keyEnd = writer.length;
  encodeItem(writer, value, depth);
  return { start, keyEnd, end: writer.length };
}

/** Bytewise order of two keys' encodings (RFC 8949 §4.2.1); 0 only for equal encodings. */
function compareKeys(bytes: Uint8Array, a: EntrySpan, b: EntrySpan): number {
  const aLength = a.keyEnd - a.start;
  const bLength = b.keyEnd - b.start;
  const common = Math.min(aLength, bLength);
  for (let index = 0; index < common; index++) {
    const difference = bytes[a.start + index]! - bytes[b.start + index]!;
    if (difference !== 0) return difference;
  }
  return aLength - bLength;
}

/**
 * Puts a map's entries, written in insertion order, into the order of their keys' encodings, in
 * place. Two keys that encode alike (1 and 1n) are a duplicate key: cbor2 refuses it.
 */
function sortEntries(writer: ByteWriter, spans: EntrySpan[]): void {
  if (spans.length < 2) return;
  const bytes = writer.bytes;
  const sorted = [...spans].sort((a, b) => compareKeys(bytes, a, b));
  let inOrder = true;
  for (let index = 0; index < sorted.length; index++) {
    if (index > 0 && compareKeys(bytes, sorted[index - 1]!, sorted[index]!) === 0) throw decline;
    if (sorted[index] !== spans[index]) inOrder = false;
  }
  if (inOrder) return;
  const regionStart = spans[0]!.start;
  const region = bytes.slice(regionStart, spans[spans.length - 1]!.end);
  let offset = regionStart;
  for (const span of sorted) {
    bytes.set(region.subarray(span.start - regionStart, span.end - regionStart), offset);
    offset += span.end - span.start;
  }
}

/**
 * The deterministic encoding of `value` when it is made only of the types above, else
 * {@link fastEncodeDeclined}. Throws only what reading `value` throws (a getter's error).
 *
 * @example
 * ```ts
 * const encoded = encodeCborFast(value);
 * const bytes = encoded === fastEncodeDeclined ? encode(value, deterministicEncodeOptions) : encoded;
 * ```
 */
export function encodeCborFast(value: unknown): Uint8Array | typeof fastEncodeDeclined {
  const writer = new ByteWriter();
  try {
    encodeItem(writer, value, 0);
  } catch (error) {
    if (error === decline) return fastEncodeDeclined;
    throw error;
  }
  return writer.bytes.slice(0, writer.length);
}
