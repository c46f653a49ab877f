// TEST-ONLY REFERENCE (see index.ts): the COSE numbers and the Sig_structure of the reference
// COSE_Sign1, written independently of the production code in libs/protocol (cose-constants.ts,
// cose-sig-structure.ts) so that the reference can serve as an oracle for it.
import { encodeCborDeterministic } from '../../cbor/encode-cbor-deterministic';

/** COSE header parameter labels (RFC 9052 §3.1, IANA "COSE Header Parameters"). */
export const coseHeaderLabels = { alg: 1, crit: 2, contentType: 3, kid: 4 } as const;

/** A COSE header label: an integer or a text string (RFC 9052 §3). */
export type CoseHeaderLabel = number | string;

/** A decoded COSE header map. */
export type CoseHeaderMap = ReadonlyMap<CoseHeaderLabel, unknown>;

/**
 * Largest COSE_Sign1 message the reference accepts or produces, in bytes (it only bounds the work
 * before the signature is checked; protocol messages have their own, far smaller limits).
 */
export const coseMessageSizeMaxBytes = 64 * 1024;

/** CBOR tag of COSE_Sign1_Tagged (RFC 9052 §4.2). */
export const coseSign1Tag = 18;

/**
 * The bytes a COSE_Sign1 signature covers (RFC 9052 §4.4), through the general deterministic
 * encoder: `["Signature1", body_protected, external_aad, payload]`.
 */
export function encodeSign1SigStructure(
  protectedHeaderBytes: Uint8Array,
  externalAad: Uint8Array,
  payload: Uint8Array,
): Uint8Array {
  return encodeCborDeterministic(['Signature1', protectedHeaderBytes, externalAad, payload]);
}
