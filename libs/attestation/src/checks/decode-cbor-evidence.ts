import { decodeCborStrict, isCryptoError } from '@settle/crypto';
import { type Checked, passed, reject } from './rejection';

/**
 * Decodes evidence that must be one data item of strict deterministic CBOR (`decodeCborStrict` of
 * libs/crypto: no indefinite lengths, no duplicate or misordered keys, no trailing bytes, bounded
 * depth). Anything else is `EVIDENCE_MALFORMED`, with the CBOR rule it broke in the detail.
 */
export function decodeCborEvidence(bytes: Uint8Array, what: string): Checked<unknown> {
  try {
    return passed(decodeCborStrict(bytes));
  } catch (error) {
    if (!isCryptoError(error)) throw error;
    return reject('EVIDENCE_MALFORMED', `${what} is not strict CBOR (${error.code}): ${error.message}`);
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
      return reject('EVIDENCE_MALFORMED', `${what} has an unexpected member ${JSON.stringify(String(key)).slice(0, 40)}`);
    }
  }
  const missing = required.filter((key) => !value.has(key));
  if (missing.length > 0) return reject('EVIDENCE_MALFORMED', `${what} lacks ${missing.join(', ')}`);
  return passed(value as ReadonlyMap<string, unknown>);
}
