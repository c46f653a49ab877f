import { AttestationError } from '../errors';

/**
 * One entry of Google's attestation status list: every listed certificate is refused, whatever its
 * status (`REVOKED`, `SUSPENDED`, or a status added later: failing closed).
 *
 * @example
 * ```ts
 * const entry: AndroidRevocationStatusEntry = { status: 'REVOKED', reason: 'KEY_COMPROMISE' };
 * ```
 */
export interface AndroidRevocationStatusEntry {
  readonly status: string;
  readonly reason?: string;
}

/**
 * Google's Android key attestation status list (https://android.googleapis.com/attestation/status),
 * parsed: entries keyed by certificate serial number in lowercase hexadecimal without leading zeros.
 * The service fetches and refreshes it (the list is signed by TLS only, and changes); this library
 * only reads what it is given.
 *
 * @example
 * ```ts
 * const list: AndroidRevocationStatusList = parseAndroidRevocationStatusList(JSON.parse(body));
 * ```
 */
export interface AndroidRevocationStatusList {
  readonly entries: ReadonlyMap<string, AndroidRevocationStatusEntry>;
  /**
   * When a fetched copy stops being trusted (fetched at + the service's maximum age): Android
   * evidence verified after it is refused `REVOCATION_STATUS_LIST_STALE`, since a leaked factory key
   * is retired only by this list. Absent for a list given in configuration (tests, development).
   */
  readonly staleAfter?: Date;
}

/** A status as Google writes them (`REVOKED`, `SUSPENDED`); an unknown one of this form still refuses the certificate. */
const statusPattern = /^[A-Z][A-Z_]{0,63}$/;
/** Longest reason kept (Google's are words such as `KEY_COMPROMISE`). */
const reasonLengthMax = 256;

/**
 * A list with no entries, for policies (tests, development) that have none.
 *
 * @example
 * ```ts
 * import { emptyAndroidRevocationStatusList } from '@settle/attestation';
 * const policy = { ...androidPolicy, revocationStatusList: emptyAndroidRevocationStatusList };
 * ```
 */
export const emptyAndroidRevocationStatusList: AndroidRevocationStatusList = Object.freeze({
  entries: new Map(),
});

/**
 * A serial number in the form the status list uses: lowercase hexadecimal, no leading zeros (Java's
 * `BigInteger.toString(16)`). X.509 libraries print the DER bytes instead ("069697…"), so both sides
 * are normalised before they are compared.
 *
 * @example
 * ```ts
 * import { normalizeCertificateSerialNumber } from '@settle/attestation';
 * normalizeCertificateSerialNumber('069697604437448081A2'); // '69697604437448081a2'
 * ```
 */
export function normalizeCertificateSerialNumber(serialNumberHex: string): string {
  if (!/^[0-9a-fA-F]+$/.test(serialNumberHex))
    throw new AttestationError(
      'ERR_INVALID_ARGUMENT',
      `not a hexadecimal serial number: ${serialNumberHex.slice(0, 80)}`,
    );
  return serialNumberHex.toLowerCase().replace(/^0+(?=.)/, '');
}

function isObject(value: unknown): value is { readonly [key: string]: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses the JSON of Google's status list (`{ "entries": { "<serial hex>": { "status": …, "reason":
 * … } } }`, the format of `status.json`), or throws `ERR_POLICY_INVALID`: entries keyed by
 * hexadecimal serial numbers, each with a status of capitals and underscores (`REVOKED`,
 * `SUSPENDED`; another such status still refuses the certificate: failing closed) and an optional
 * string reason.
 *
 * @example
 * ```ts
 * import { parseAndroidRevocationStatusList } from '@settle/attestation';
 * const list = parseAndroidRevocationStatusList({ entries: { '2c8cdddfd5e03bfc': { status: 'REVOKED', reason: 'KEY_COMPROMISE' } } });
 * list.entries.has('2c8cdddfd5e03bfc'); // true
 * ```
 */
export function parseAndroidRevocationStatusList(json: unknown): AndroidRevocationStatusList {
  const invalid = (message: string) =>
    new AttestationError('ERR_POLICY_INVALID', `revocation status list: ${message}`);
  if (!isObject(json) || !isObject(json['entries']))
    throw invalid('expected an object with an "entries" object');
  const entries = new Map<string, AndroidRevocationStatusEntry>();
  for (const [serial, entry] of Object.entries(json['entries'])) {
    if (!/^[0-9a-fA-F]+$/.test(serial))
      throw invalid(`"${serial.slice(0, 80)}" is not a hexadecimal serial number`);
    if (
      !isObject(entry) ||
      typeof entry['status'] !== 'string' ||
      !statusPattern.test(entry['status'])
    )
      throw invalid(`entry ${serial} has no "status" such as REVOKED or SUSPENDED`);
    const reason = entry['reason'];
    if (reason !== undefined && (typeof reason !== 'string' || reason.length > reasonLengthMax))
      throw invalid(
        `entry ${serial} has a "reason" that is not a string of at most ${reasonLengthMax} characters`,
      );
    entries.set(
      normalizeCertificateSerialNumber(serial),
      Object.freeze(
        reason === undefined ? { status: entry['status'] } : { status: entry['status'], reason },
      ),
    );
  }
  return Object.freeze({ entries });
}

/**
 * A fetched copy of the list with the time after which it is stale: `fetchedAt` + `ageMaxSeconds`.
 *
 * @example
 * ```ts
 * import { androidRevocationStatusListFetched } from '@settle/attestation';
 * const list = androidRevocationStatusListFetched(JSON.parse(body), fetchedAt, 86_400);
 * list.staleAfter; // fetchedAt + 24 h
 * ```
 */
export function androidRevocationStatusListFetched(
  json: unknown,
  fetchedAt: Date,
  ageMaxSeconds: number,
): AndroidRevocationStatusList {
  if (!(fetchedAt instanceof Date) || Number.isNaN(fetchedAt.getTime()))
    throw new AttestationError('ERR_INVALID_ARGUMENT', 'fetchedAt must be a valid Date');
  if (!Number.isSafeInteger(ageMaxSeconds) || ageMaxSeconds <= 0)
    throw new AttestationError('ERR_INVALID_ARGUMENT', 'ageMaxSeconds must be a positive integer');
  const { entries } = parseAndroidRevocationStatusList(json);
  return Object.freeze({
    entries,
    staleAfter: new Date(fetchedAt.getTime() + ageMaxSeconds * 1000),
  });
}
