// The sound forms' tags and sizes, units last in the names (docs/protocol.md, "Sound forms").

/**
 * The first byte of every sound form: which structure it is. A closed, append-only set; none is
 * 0xFF, the sound link's fragment marker, so a one-frame sound form is never taken for a fragment.
 *
 * @example
 * ```ts
 * import { soundFormTags } from '@settle/protocol/sound-form';
 * soundForm[0] === soundFormTags.paymentRequest; // a request
 * ```
 */
export const soundFormTags = {
  paymentRequest: 0x01,
  consumerAuthorization: 0x02,
  terminalCredential: 0x03,
  deviceCredential: 0x04,
} as const;

/**
 * Length of the short key ids of the sound forms (the first bytes of a 32-byte RFC 7638 thumbprint),
 * in bytes. The receiver resolves one among the keys it knows and tries every candidate: the
 * signature covers the full key id, so a collision costs a verification, never a wrong result.
 *
 * @example
 * ```ts
 * const prefix = keyId.subarray(0, soundKeyIdPrefixLengthBytes);
 * ```
 */
export const soundKeyIdPrefixLengthBytes = 4;

/**
 * Length of the terminal reference in a payment request's sound form, in bytes: the first bytes of
 * SHA-256 over the terminal's merchant and terminal ids (`terminalReferenceOf`). Ids are minted by
 * the registry, so no one can grind a reference to collide with another terminal's.
 *
 * @example
 * ```ts
 * terminalReferenceOf(credential).length === soundTerminalReferenceLengthBytes; // true
 * ```
 */
export const soundTerminalReferenceLengthBytes = 4;

/**
 * Length of a time carried as raw milliseconds in a sound form: 48-bit big-endian, enough for
 * `protocolTimeMsMax` (9999-12-31), where CBOR would take 9 bytes for any time after 2106-02-07 in
 * seconds and after 1970-02-19 in milliseconds.
 *
 * @example
 * ```ts
 * soundTimeLengthBytes === 6;
 * ```
 */
export const soundTimeLengthBytes = 6;

/**
 * Length of a raw signature in a sound form (r‖s for ES256, R‖S for EdDSA), in bytes.
 *
 * @example
 * ```ts
 * soundForm.subarray(offset, offset + soundSignatureLengthBytes);
 * ```
 */
export const soundSignatureLengthBytes = 64;
