import { type Checked, passed, reject } from '../checks/rejection';
import { decodeThirdPartyCbor } from '../checks/decode-cbor-evidence';

/** WebAuthn §6.1 flag bits. */
const flagUserPresent = 0x01;
const flagUserVerified = 0x04;
const flagAttestedCredentialData = 0x40;
const flagExtensionData = 0x80;

const rpIdHashLengthBytes = 32;
const signCountLengthBytes = 4;
const aaguidLengthBytes = 16;
const credentialIdLengthFieldBytes = 2;
/** WebAuthn §6.1: "credentialIdLength … MUST be ≤ 1023". */
const credentialIdLengthMaxBytes = 1023;

/**
 * Authenticator data of a registration (WebAuthn §6.1), with its attested credential data.
 */
export interface AuthenticatorData {
  readonly rpIdHash: Uint8Array;
  readonly userPresent: boolean;
  readonly userVerified: boolean;
  readonly signCount: number;
  readonly aaguid: Uint8Array;
  readonly credentialId: Uint8Array;
  /** The COSE_Key, decoded (a `Map`). */
  readonly credentialPublicKey: unknown;
}

/**
 * Splits authenticator data at the fixed offsets WebAuthn defines (a byte layout, not DER) and
 * decodes the credential public key (a COSE_Key, in the authenticator's own key order) as
 * well-formed CBOR. Registration data must carry
 * attested credential data; authenticator extensions (the ED flag) are refused: the registration
 * requests none, and accepting them would need a decoder that stops after the first CBOR item.
 */
export function parseAuthenticatorData(bytes: Uint8Array): Checked<AuthenticatorData> {
  const fixedLengthBytes = rpIdHashLengthBytes + 1 + signCountLengthBytes;
  const credentialOffset = fixedLengthBytes + aaguidLengthBytes + credentialIdLengthFieldBytes;
  if (bytes.length < credentialOffset)
    return reject('EVIDENCE_MALFORMED', `authenticator data of ${bytes.length} bytes is too short`);
  const flags = bytes[rpIdHashLengthBytes]!;
  if ((flags & flagAttestedCredentialData) === 0)
    return reject('EVIDENCE_MALFORMED', 'authenticator data has no attested credential data');
  if ((flags & flagExtensionData) !== 0)
    return reject(
      'EVIDENCE_MALFORMED',
      'authenticator data carries extensions, which are not accepted',
    );
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const credentialIdLength = view.getUint16(fixedLengthBytes + aaguidLengthBytes);
  if (
    credentialIdLength > credentialIdLengthMaxBytes ||
    bytes.length < credentialOffset + credentialIdLength + 1
  ) {
    return reject(
      'EVIDENCE_MALFORMED',
      `credential id length ${credentialIdLength} is out of bounds`,
    );
  }
  const publicKey = decodeThirdPartyCbor(
    bytes.subarray(credentialOffset + credentialIdLength),
    'the credential public key',
  );
  if (!publicKey.ok) return publicKey;
  return passed({
    rpIdHash: bytes.subarray(0, rpIdHashLengthBytes),
    userPresent: (flags & flagUserPresent) !== 0,
    userVerified: (flags & flagUserVerified) !== 0,
    signCount: view.getUint32(rpIdHashLengthBytes + 1),
    aaguid: bytes.subarray(fixedLengthBytes, fixedLengthBytes + aaguidLengthBytes),
    credentialId: bytes.subarray(credentialOffset, credentialOffset + credentialIdLength),
    credentialPublicKey: publicKey.value,
  });
}
