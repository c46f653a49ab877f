// The COSE (RFC 9052) numbers the protocol's COSE_Sign1 (cose.ts) is built from.

/**
 * COSE header parameter labels used here (RFC 9052 §3.1, IANA "COSE Header Parameters").
 *
 * @example
 * ```ts
 * header.get(coseHeaderLabels.kid); // the 32-byte key id
 * ```
 */
export const coseHeaderLabels = { alg: 1, crit: 2, contentType: 3, kid: 4 } as const;

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
