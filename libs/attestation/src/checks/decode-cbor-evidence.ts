import { type DecodeOptions, decode } from 'cbor2';
import { cborNestingDepthMax, decodeCborStrict, isCryptoError } from '@settle/crypto';
import { type Checked, passed, reject } from './rejection';

/**
 * Decodes a structure this project defines and its own SDK encodes (the `android-key` certificate
 * array, the `webauthn-packed` envelope): one data item of strict deterministic CBOR
 * (`decodeCborStrict` of libs/crypto: no indefinite lengths, no duplicate or misordered keys, no
 * trailing bytes, bounded depth). Anything else is `EVIDENCE_MALFORMED`, with the CBOR rule it
 * broke in the detail.
 */
export function decodeCborEvidence(bytes: Uint8Array, what: string): Checked<unknown> {
  try {
    return passed(decodeCborStrict(bytes));
  } catch (error) {
    if (!isCryptoError(error)) throw error;
    return reject(
      'EVIDENCE_MALFORMED',
      `${what} is not strict CBOR (${error.code}): ${error.message}`,
    );
  }
}

// What an authenticator or Apple encoded. RFC 8949 does not oblige an encoder to sort map keys, and
// real ones do not always (Firefox's authenticator-rs and Brave iOS put `authData` first; Windows
// sent the Feitian sample in the tests as fmt, authData, attStmt), so the key order is not checked.
// Everything that makes the data ambiguous or unbounded still is: duplicate keys, trailing bytes,
// indefinite lengths and non-shortest integers (CTAP2 and Apple never emit them), floats, undefined
// and unassigned simple values (evidence carries none), and the depth (cbor2 counts an array level
// twice and a map level once, so this bounds it between 16 and 32 levels). Signatures are checked
// over the bytes received, never over a re-encoding, so accepting another key order changes no
// signed content.
const thirdPartyDecodeOptions: DecodeOptions = {
  rejectStreaming: true,
  requirePreferred: true,
  rejectDuplicateKeys: true,
  rejectFloats: true,
  rejectSimple: true,
  rejectUndefined: true,
  ignoreGlobalTags: true,
  preferMap: true,
  maxDepth: 2 * cborNestingDepthMax,
};

/**
 * Decodes CBOR made by a third party (a WebAuthn or App Attest attestation object, a COSE key, an
 * App Attest assertion): one well-formed data item, in any map key order, without duplicate keys,
 * trailing bytes, indefinite lengths or non-shortest integers, nested within the depth limit.
 * Anything else is `EVIDENCE_MALFORMED` with cbor2's reason in the detail.
 */
export function decodeThirdPartyCbor(bytes: Uint8Array, what: string): Checked<unknown> {
  if (bytes.length === 0) return reject('EVIDENCE_MALFORMED', `${what} is empty`);
  try {
    return passed(decode(bytes, thirdPartyDecodeOptions));
  } catch (error) {
    return reject(
      'EVIDENCE_MALFORMED',
      `${what} is not well-formed CBOR: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/**
 * A decoded CBOR map with exactly the text keys `required` plus any of `optional`; otherwise
 * `EVIDENCE_MALFORMED` (an unexpected member is refused rather than ignored).
 */
export function cborMapWithKeys(
  value: unknown,
  what: string,
  required: readonly string[],
  optional: readonly string[] = [],
): Checked<ReadonlyMap<string, unknown>> {
  if (!(value instanceof Map)) return reject('EVIDENCE_MALFORMED', `${what} is not a CBOR map`);
  for (const key of value.keys()) {
    if (typeof key !== 'string' || (!required.includes(key) && !optional.includes(key))) {
      return reject(
        'EVIDENCE_MALFORMED',
        `${what} has an unexpected member ${JSON.stringify(String(key)).slice(0, 40)}`,
      );
    }
  }
  const missing = required.filter((key) => !value.has(key));
  if (missing.length > 0)
    return reject('EVIDENCE_MALFORMED', `${what} lacks ${missing.join(', ')}`);
  return passed(value as ReadonlyMap<string, unknown>);
}
