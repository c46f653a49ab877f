import { hexToBytes } from '../encoding/bytes';

// SubjectPublicKeyInfo (RFC 5280 §4.1) for the two supported key types has exactly one DER
// encoding each, so strict parsing is "the fixed prefix, then the point": no general ASN.1 parser.

/** SEQUENCE { SEQUENCE { id-ecPublicKey, prime256v1 }, BIT STRING (0 unused bits) 04‖x‖y } (RFC 5480). */
export const p256UncompressedSpkiPrefix = hexToBytes(
  '3059301306072a8648ce3d020106082a8648ce3d030107034200',
);

/** The same with a compressed point 02/03‖x (RFC 5480 allows it; some Android keystores emit it). */
export const p256CompressedSpkiPrefix = hexToBytes(
  '3039301306072a8648ce3d020106082a8648ce3d030107032200',
);

/** SEQUENCE { SEQUENCE { id-Ed25519 }, BIT STRING (0 unused bits) point } (RFC 8410). */
export const ed25519SpkiPrefix = hexToBytes('302a300506032b6570032100');
