import { encodeCborDeterministic } from '@settle/crypto';
import { ProtocolError, protocolAssert } from '../errors';
import { checkSize, decodeProtocolCbor, invalidField } from '../fields';
import { protocolTimeMsMax } from '../limits';
import { soundTimeLengthBytes } from './sound-form-limits';

// The layout every sound form shares: one tag byte, then the fixed-length fields as raw bytes (short
// key ids, signature, nonce, a time), then the variable ones as ONE deterministic CBOR array, decoded
// strictly. Raw where the length is known saves CBOR's length heads; CBOR where it is not keeps the
// decoding a well-tested library's, with one encoding per value (so one sound form per signed form).

/** A sound form's fixed-length raw fields, by length, in order. */
export type RawLayout = readonly number[];

/** Encodes a sound form: `tag ‖ raw fields ‖ CBOR array of items`. */
export function encodeSoundForm(
  tag: number,
  rawFields: readonly Uint8Array[],
  layout: RawLayout,
  items: readonly unknown[],
): Uint8Array {
  protocolAssert(
    rawFields.length === layout.length &&
      rawFields.every((field, index) => field.length === layout[index]),
    'raw fields of the layout',
  );
  const array = encodeCborDeterministic(items);
  const rawLengthBytes = layout.reduce((total, length) => total + length, 0);
  const bytes = new Uint8Array(1 + rawLengthBytes + array.length);
  bytes[0] = tag;
  let offset = 1;
  for (const field of rawFields) {
    bytes.set(field, offset);
    offset += field.length;
  }
  bytes.set(array, offset);
  return bytes;
}

/** What {@link decodeSoundForm} found: the raw fields (copies) and the array's items. */
export interface DecodedSoundForm {
  readonly rawFields: Uint8Array[];
  readonly items: unknown[];
}

/**
 * Decodes a sound form: size, tag (`LABEL_MISMATCH`), the raw fields, then exactly one strict CBOR
 * array of `itemCount` items (`CBOR_INVALID`, `STRUCTURE_INVALID`). Throws `ProtocolError`.
 */
export function decodeSoundForm(
  bytes: Uint8Array,
  expected: {
    tag: number;
    layout: RawLayout;
    itemCount: number;
    sizeMaxBytes: number;
    structure: string;
  },
): DecodedSoundForm {
  checkSize(bytes, expected.sizeMaxBytes, expected.structure);
  if (bytes.length === 0 || bytes[0] !== expected.tag) {
    throw new ProtocolError(
      'LABEL_MISMATCH',
      'tag',
      `${expected.structure}'s sound form starts with tag ${expected.tag}, not ${String(bytes[0])}`,
    );
  }
  const rawLengthBytes = expected.layout.reduce((total, length) => total + length, 0);
  if (bytes.length < 1 + rawLengthBytes + 1)
    throw new ProtocolError(
      'STRUCTURE_INVALID',
      '',
      `${expected.structure}'s sound form is too short`,
    );
  const rawFields: Uint8Array[] = [];
  let offset = 1;
  for (const length of expected.layout) {
    rawFields.push(bytes.slice(offset, offset + length));
    offset += length;
  }
  const items = decodeProtocolCbor(bytes.subarray(offset), 'fields');
  if (!Array.isArray(items) || items.length !== expected.itemCount) {
    throw new ProtocolError(
      'STRUCTURE_INVALID',
      'fields',
      `${expected.structure}'s sound form ends with an array of ${expected.itemCount} fields`,
    );
  }
  return { rawFields, items };
}

/** A time in milliseconds as {@link soundTimeLengthBytes} big-endian bytes. */
export function encodeSoundTime(timeMs: number): Uint8Array {
  protocolAssert(
    Number.isSafeInteger(timeMs) && timeMs >= 0 && timeMs <= protocolTimeMsMax,
    'a protocol time',
  );
  const bytes = new Uint8Array(soundTimeLengthBytes);
  let rest = timeMs;
  for (let index = soundTimeLengthBytes - 1; index >= 0; index--) {
    bytes[index] = rest % 256;
    rest = Math.floor(rest / 256);
  }
  protocolAssert(rest === 0, 'the time fits 48 bits');
  return bytes;
}

/** The inverse of {@link encodeSoundTime}; `FIELD_INVALID` past `protocolTimeMsMax`. */
export function decodeSoundTime(bytes: Uint8Array, field: string): number {
  protocolAssert(bytes.length === soundTimeLengthBytes, 'a raw time');
  const timeMs = bytes.reduce((total, byte) => total * 256 + byte, 0);
  if (timeMs > protocolTimeMsMax) invalidField(field, `must be at most ${protocolTimeMsMax}`);
  return timeMs;
}

/** Whether `keyId` starts with `prefix` (a short key id of a sound form). */
export function keyIdHasPrefix(keyId: Uint8Array, prefix: Uint8Array): boolean {
  return prefix.length <= keyId.length && prefix.every((byte, index) => keyId[index] === byte);
}
