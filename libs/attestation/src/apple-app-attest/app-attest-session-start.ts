import { sha256 } from '@noble/hashes/sha2.js';
import { base64UrlDecode } from '@settle/crypto';
import { isBytes } from '@settle/crypto/encoding/bytes';
import { concatBytes } from '../checks/concat-bytes';
import { AttestationError, assert } from '../errors';

/**
 * The first bytes of the client data of the App Attest assertion an iPhone makes at session start
 * (UTF-8). Version 2: version 1 (`label ‖ EKM`) did not name the binding key, because the binding key
 * was taken to be the App Attest key itself, which a real iPhone cannot have (docs/attestation.md,
 * "iOS"). A label of its own, so that it can never be taken for a key vouch
 * (`settle/app-attest-key-vouch/v1`) or for version 1.
 *
 * @example
 * ```ts
 * import { appAttestSessionStartLabel } from '@settle/attestation';
 * appAttestSessionStartLabel; // 'settle-token-issuer/app-attest-session-start/v2'
 * ```
 */
export const appAttestSessionStartLabel = 'settle-token-issuer/app-attest-session-start/v2';

/** An RFC 7638 thumbprint is a SHA-256: 32 bytes, 43 base64url characters. */
const thumbprintLengthBytes = 32;
/** The TLS exporter value RFC 8471 signs (label "EXPORTER-Token-Binding", no context): 32 bytes. */
const ekmLengthBytes = 32;

/**
 * What the App Attest key vouches for at session start: that **this** binding key (the Secure Enclave
 * key it vouched for at enrolment) is being used **now**, on the TLS connection whose exported keying
 * material is `ekm`.
 *
 * @example
 * ```ts
 * const start: AppAttestSessionStart = { bindingKeyId: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs', ekm };
 * ```
 */
export interface AppAttestSessionStart {
  /** base64url RFC 7638 thumbprint of the binding key's public JWK (the protocol's key id). */
  readonly bindingKeyId: string;
  /** The connection's 32-byte EKM (TLS exporter, label "EXPORTER-Token-Binding", no context). */
  readonly ekm: Uint8Array;
}

/**
 * The client data the app hashes and passes to `generateAssertion(appAttestKeyId, clientDataHash)` at
 * session start:
 *
 * `UTF-8(appAttestSessionStartLabel) ‖ 0x00 ‖ binding key thumbprint (32 bytes) ‖ EKM (32 bytes)`
 *
 * Unambiguous: the label contains no 0x00 and both other fields have a fixed length. The thumbprint
 * commits to the whole binding key, so an assertion made for one binding key does not start a session
 * for another (a stolen binding key needs the App Attest key too); the EKM, to the connection.
 *
 * @example
 * ```ts
 * import { appAttestSessionStartClientData } from '@settle/attestation';
 * const clientData = appAttestSessionStartClientData({ bindingKeyId, ekm }); // 81 bytes
 * ```
 */
export function appAttestSessionStartClientData(start: AppAttestSessionStart): Uint8Array {
  const thumbprint =
    typeof start?.bindingKeyId === 'string' ? base64UrlDecode(start.bindingKeyId) : undefined;
  if (thumbprint?.length !== thumbprintLengthBytes)
    throw new AttestationError(
      'ERR_INVALID_ARGUMENT',
      'appAttestSessionStartClientData: bindingKeyId must be a base64url SHA-256 thumbprint',
    );
  if (!isBytes(start.ekm) || start.ekm.length !== ekmLengthBytes)
    throw new AttestationError(
      'ERR_INVALID_ARGUMENT',
      `appAttestSessionStartClientData: ekm must be ${ekmLengthBytes} bytes`,
    );
  const clientData = concatBytes(
    new TextEncoder().encode(appAttestSessionStartLabel),
    new Uint8Array([0]),
    thumbprint,
    start.ekm,
  );
  assert(
    clientData.length ===
      appAttestSessionStartLabel.length + 1 + thumbprintLengthBytes + ekmLengthBytes,
    'the client data is its fields, nothing else',
  );
  return clientData;
}

/**
 * SHA-256 of {@link appAttestSessionStartClientData}: the `clientDataHash` of the session-start assertion.
 *
 * @example
 * ```ts
 * import { appAttestSessionStartClientDataHash } from '@settle/attestation';
 * const clientDataHash = appAttestSessionStartClientDataHash({ bindingKeyId, ekm }); // 32 bytes
 * ```
 */
export function appAttestSessionStartClientDataHash(start: AppAttestSessionStart): Uint8Array {
  return sha256(appAttestSessionStartClientData(start));
}
