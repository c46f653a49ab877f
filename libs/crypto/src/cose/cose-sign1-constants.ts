/**
 * COSE header parameter labels used here (RFC 9052 §3.1, IANA "COSE Header Parameters").
 *
 * @example
 * ```ts
 * import { coseHeaderLabels } from '@settle/crypto';
 * verified.protectedHeader.get(coseHeaderLabels.kid);
 * ```
 */
export const coseHeaderLabels = { alg: 1, crit: 2, contentType: 3, kid: 4 } as const;

/**
 * A COSE header label: an integer or a text string (RFC 9052 §3).
 *
 * @example
 * ```ts
 * const label: CoseHeaderLabel = coseHeaderLabels.kid; // 4
 * ```
 */
export type CoseHeaderLabel = number | string;

/**
 * A decoded COSE header map.
 *
 * @example
 * ```ts
 * const keyId = verified.protectedHeader.get(coseHeaderLabels.kid);
 * ```
 */
export type CoseHeaderMap = ReadonlyMap<CoseHeaderLabel, unknown>;

/**
 * CBOR tag of COSE_Sign1_Tagged (RFC 9052 §4.2).
 *
 * @example
 * ```ts
 * message[0] === 0xc0 + coseSign1Tag; // 0xd2: a tagged COSE_Sign1
 * ```
 */
export const coseSign1Tag = 18;

/** The Sig_structure context string for COSE_Sign1 (RFC 9052 §4.4). */
export const coseSign1SignatureContext = 'Signature1';
