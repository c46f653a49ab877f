import { CryptoError, decodeCborDeterministic, encodeCborDeterministic } from '@settle/crypto';
import { ProtocolError, protocolAssert } from './errors';
import {
  amountMinorUnitsMax,
  merchantDisplayNameLengthMaxCharacters,
  protocolIdentifierLengthMaxBytes,
  protocolTimeMsMax,
  reasonCodeLengthMaxBytes,
} from './limits';

// Shape validation of the integer-keyed maps every protocol structure is made of. The same checks
// run when encoding (a bad value is the caller's bug: ProtocolError thrown) and when decoding (bad
// input: the decoder turns the ProtocolError into a failure result), so whatever is encoded decodes.

/**
 * Human-readable name: 1 to 128 characters, no surrounding white space, no control characters, no
 * line separators and no bidirectional overrides (a merchant name shown on a phone must read as it
 * is stored: `U+202E` could make "Bank" display as something else). A JSON-schema `pattern` (with
 * the `u` flag); the payment request's merchant name, and every event and API field that holds a
 * name a phone may show, use it.
 *
 * @example
 * ```ts
 * import { displayNamePattern } from '@settle/protocol';
 * new RegExp(displayNamePattern, 'u').test('Café Central'); // true
 * ```
 */
export const displayNamePattern =
  '^(?!\\s)[^\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069]{1,128}(?<!\\s)$';

/** What the identifier fields allow: the events' identifier alphabet, at most 24 bytes. */
const identifierPattern = new RegExp(`^[A-Za-z0-9_-]{1,${protocolIdentifierLengthMaxBytes}}$`);
const currencyPattern = /^[A-Z]{3}$/;
const reasonCodePattern = new RegExp(`^[A-Z][A-Z0-9_]{0,${reasonCodeLengthMaxBytes - 1}}$`);
const displayName = new RegExp(displayNamePattern, 'u');

/** Fails with `FIELD_INVALID` for `field`. */
export function invalidField(field: string, message: string): never {
  throw new ProtocolError('FIELD_INVALID', field, `${field} ${message}`);
}

/** Throws `SIZE_EXCEEDED` when `bytes` is longer than `sizeMaxBytes`; checked before decoding anything. */
export function checkSize(bytes: Uint8Array, sizeMaxBytes: number, structure: string): void {
  if (!(bytes instanceof Uint8Array))
    throw new ProtocolError('STRUCTURE_INVALID', '', `${structure} must be a Uint8Array`);
  if (bytes.length > sizeMaxBytes)
    throw new ProtocolError(
      'SIZE_EXCEEDED',
      '',
      `${structure} is ${bytes.length} bytes, more than ${sizeMaxBytes}`,
    );
}

/**
 * Encodes a labelled structure: an integer-keyed map whose key 0 is the protocol/version label and
 * whose keys 1… hold `values` in order (deterministic CBOR).
 */
export function encodeLabelledMap(label: string, values: readonly unknown[]): Uint8Array {
  const map = new Map<number, unknown>([[0, label]]);
  values.forEach((value, index) => {
    protocolAssert(value !== undefined, `field ${index + 1} has a value`);
    map.set(index + 1, value);
  });
  return encodeCborDeterministic(map);
}

/**
 * Decodes one data item of strict deterministic CBOR with libs/crypto's one decoder
 * (`decodeCborDeterministic`: fast path, else the strict decoder). A CBOR fault becomes a
 * `ProtocolError` `CBOR_INVALID` naming `field`, with the `CryptoError` (its `ERR_CBOR_*` code) as
 * the cause.
 */
export function decodeProtocolCbor(bytes: Uint8Array, field: string): unknown {
  try {
    return decodeCborDeterministic(bytes);
  } catch (error) {
    if (!(error instanceof CryptoError)) throw error;
    throw new ProtocolError(
      'CBOR_INVALID',
      field,
      `${field || 'the structure'} is not strict deterministic CBOR: ${error.code}`,
      { cause: error },
    );
  }
}

/**
 * Decodes a labelled structure: strict CBOR, an integer-keyed map, the label, no unknown and no
 * missing field. Returns the values of keys 1… in order; `fieldNames[i]` names key i + 1.
 */
export function decodeLabelledMap(
  bytes: Uint8Array,
  label: string,
  fieldNames: readonly string[],
  field = '',
): unknown[] {
  const value = decodeProtocolCbor(bytes, field);
  return readLabelledMap(value, label, fieldNames, field);
}

/** {@link decodeLabelledMap} over an already decoded value. */
export function readLabelledMap(
  value: unknown,
  label: string,
  fieldNames: readonly string[],
  field = '',
): unknown[] {
  if (!(value instanceof Map))
    throw new ProtocolError(
      'STRUCTURE_INVALID',
      field,
      `${field || 'the structure'} must be a map`,
    );
  for (const key of value.keys()) {
    if (!(
      Number.isSafeInteger(key) &&
      (key as number) >= 0 &&
      (key as number) <= fieldNames.length
    )) {
      const name = `${field ? `${field}/` : ''}${mapKeyName(key)}`;
      throw new ProtocolError('FIELD_UNKNOWN', name, `${name} is not a field of ${label}`);
    }
  }
  const labelValue = value.get(0);
  if (labelValue === undefined)
    throw new ProtocolError(
      'FIELD_MISSING',
      joinField(field, 'label'),
      `the label is missing (expected ${label})`,
    );
  if (labelValue !== label) {
    throw new ProtocolError(
      'LABEL_MISMATCH',
      joinField(field, 'label'),
      `label ${JSON.stringify(labelValue)} is not ${label}`,
    );
  }
  return fieldNames.map((name, index) => {
    const fieldValue = value.get(index + 1);
    if (fieldValue === undefined)
      throw new ProtocolError(
        'FIELD_MISSING',
        joinField(field, name),
        `${joinField(field, name)} is missing`,
      );
    return fieldValue;
  });
}

/**
 * How an unexpected map key is named in an error's field: numbers and text as they are, a byte string
 * in CBOR diagnostic notation (`h'587cd2'`) whatever array type the decoder gave it (a Node Buffer
 * would otherwise print as text and a Uint8Array as a list of numbers), anything else by its type.
 *
 * @example
 * ```ts
 * mapKeyName(new Uint8Array([0x58, 0x7c])); // "h'587c'"
 * ```
 */
export function mapKeyName(key: unknown): string {
  if (typeof key === 'number' || typeof key === 'bigint' || typeof key === 'string')
    return String(key);
  if (key instanceof Uint8Array)
    return `h'${Array.from(key, (byte) => byte.toString(16).padStart(2, '0')).join('')}'`;
  return `(${key === null ? 'null' : typeof key})`;
}

function joinField(parent: string, name: string): string {
  return parent ? `${parent}/${name}` : name;
}

/** An unsigned integer no larger than `max` (a `number` or a `bigint` on the wire), as a bigint. */
export function readUnsigned(value: unknown, field: string, max: bigint): bigint {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0)
      invalidField(field, 'must be an unsigned integer');
    value = BigInt(value);
  }
  if (typeof value !== 'bigint' || value < 0n) invalidField(field, 'must be an unsigned integer');
  if ((value as bigint) > max) invalidField(field, `must be at most ${max}`);
  return value as bigint;
}

/** An amount in minor units: an integer from 1 to {@link amountMinorUnitsMax}. */
export function readAmount(value: unknown, field: string): bigint {
  const amount = readUnsigned(value, field, amountMinorUnitsMax);
  if (amount === 0n) invalidField(field, 'must be positive');
  return amount;
}

/** A time in milliseconds since the Unix epoch, up to {@link protocolTimeMsMax}. */
export function readTimeMs(value: unknown, field: string): number {
  if (
    typeof value !== 'number' ||
    !Number.isSafeInteger(value) ||
    value < 0 ||
    value > protocolTimeMsMax
  ) {
    invalidField(field, `must be milliseconds since the Unix epoch, at most ${protocolTimeMsMax}`);
  }
  return value;
}

/** A merchant, terminal or device id: `[A-Za-z0-9_-]{1,24}`. */
export function readIdentifier(value: unknown, field: string): string {
  if (typeof value !== 'string' || !identifierPattern.test(value)) {
    invalidField(
      field,
      `must be 1 to ${protocolIdentifierLengthMaxBytes} characters of [A-Za-z0-9_-]`,
    );
  }
  return value;
}

/** An ISO 4217 alphabetic currency code. */
export function readCurrency(value: unknown, field: string): string {
  if (typeof value !== 'string' || !currencyPattern.test(value))
    invalidField(field, 'must be an ISO 4217 code of three capital letters');
  return value;
}

/**
 * A merchant display name: what a phone shows, so the events' rules (no control characters, no
 * bidirectional overrides, no surrounding white space) and at most 128 characters.
 */
export function readDisplayName(value: unknown, field: string): string {
  if (
    typeof value !== 'string' ||
    !displayName.test(value) ||
    [...value].length > merchantDisplayNameLengthMaxCharacters
  ) {
    invalidField(
      field,
      `must be a display name of 1 to ${merchantDisplayNameLengthMaxCharacters} characters without control characters or bidirectional overrides`,
    );
  }
  return value;
}

/** A reason code: `[A-Z][A-Z0-9_]*`, at most 64 bytes. */
export function readReasonCode(value: unknown, field: string): string {
  if (typeof value !== 'string' || !reasonCodePattern.test(value))
    invalidField(field, 'must be a reason code ([A-Z][A-Z0-9_]*, at most 64)');
  return value;
}

/** A byte string of exactly `lengthBytes` bytes (a copy: the result never aliases the input). */
export function readBytes(value: unknown, field: string, lengthBytes: number): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== lengthBytes)
    invalidField(field, `must be a byte string of ${lengthBytes} bytes`);
  return (value as Uint8Array).slice();
}

/** A byte string of 1 to `lengthMaxBytes` bytes, as a view of the input (the bytes received). */
export function readByteString(value: unknown, field: string, lengthMaxBytes: number): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length === 0 || value.length > lengthMaxBytes) {
    invalidField(field, `must be a byte string of 1 to ${lengthMaxBytes} bytes`);
  }
  return value as Uint8Array;
}

/** Checks a validity period: it starts before it ends. */
export function checkPeriod(startMs: number, endMs: number, endField: string): void {
  if (endMs <= startMs) invalidField(endField, 'must be after the start of the period');
}
