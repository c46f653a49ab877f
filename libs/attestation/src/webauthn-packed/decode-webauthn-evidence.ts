import { isBytes } from '@settle/crypto/encoding/bytes';
import { cborMapWithKeys, decodeCborEvidence } from '../checks/decode-cbor-evidence';
import { type Checked, passed, reject } from '../checks/rejection';

/** The two outputs of `navigator.credentials.create` that a `packed` verification needs. */
export interface WebAuthnRegistration {
  readonly clientDataJson: Uint8Array;
  readonly attestationObject: Uint8Array;
}

/**
 * Decodes `webauthn-packed` evidence: a deterministic-CBOR map `{ "clientDataJSON": bytes,
 * "attestationObject": bytes }` (the web wallet copies the two `ArrayBuffer`s of the
 * `AuthenticatorAttestationResponse` into it, unchanged).
 */
export function decodeWebAuthnEvidence(evidence: Uint8Array): Checked<WebAuthnRegistration> {
  const decoded = decodeCborEvidence(evidence, 'webauthn-packed evidence');
  if (!decoded.ok) return decoded;
  const map = cborMapWithKeys(decoded.value, 'webauthn-packed evidence', [
    'clientDataJSON',
    'attestationObject',
  ]);
  if (!map.ok) return map;
  const clientDataJson = map.value.get('clientDataJSON');
  const attestationObject = map.value.get('attestationObject');
  if (!isBytes(clientDataJson) || !isBytes(attestationObject))
    return reject(
      'EVIDENCE_MALFORMED',
      'clientDataJSON and attestationObject must be byte strings',
    );
  return passed({ clientDataJson, attestationObject });
}
