import { sha256 } from '@noble/hashes/sha2.js';
import { base64UrlDecode, encodeCborDeterministic } from '@settle/crypto';
import { isBytes } from '@settle/crypto/encoding/bytes';
import { concatBytes } from '../checks/concat-bytes';
import { cborMapWithKeys, decodeCborEvidence } from '../checks/decode-cbor-evidence';
import { type Checked, passed, reject } from '../checks/rejection';
import { AttestationError, assert } from '../errors';
import { type KeyPurpose, keyPurposes } from '../formats';

/**
 * The first bytes of the client data of an App Attest assertion that vouches for a key at enrolment
 * (UTF-8). A version of its own, so that no other assertion this project asks for (e.g. the token
 * issuer's at session start, `settle-token-issuer/app-attest-session-start/v2`) can be taken for one.
 *
 * @example
 * ```ts
 * import { appAttestKeyVouchLabel } from '@settle/attestation';
 * appAttestKeyVouchLabel; // 'settle/app-attest-key-vouch/v1'
 * ```
 */
export const appAttestKeyVouchLabel = 'settle/app-attest-key-vouch/v1';

/** An RFC 7638 thumbprint is a SHA-256: 32 bytes, 43 base64url characters. */
const thumbprintLengthBytes = 32;
/** The registry's challenges are 16 to 96 bytes; the library accepts what `verifyAttestation` accepts. */
const challengeLengthMaxBytes = 128;

/**
 * What an App Attest key vouches for at enrolment: the purpose and RFC 7638 thumbprint (the protocol's
 * key id) of the key being registered, and the challenge the registry issued for this enrolment.
 *
 * @example
 * ```ts
 * const vouched: AppAttestKeyVouch = { purpose: 'binding', keyId: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs', challenge };
 * ```
 */
export interface AppAttestKeyVouch {
  readonly purpose: KeyPurpose;
  /** base64url RFC 7638 thumbprint of the vouched key's public JWK. */
  readonly keyId: string;
  /** The enrolment challenge, as issued (bytes). */
  readonly challenge: Uint8Array;
}

/**
 * The client data the app hashes and passes to `generateAssertion(appAttestKeyId, clientDataHash)`
 * to vouch for a key it created in the Secure Enclave:
 *
 * `UTF-8(appAttestKeyVouchLabel) ‖ 0x00 ‖ UTF-8(purpose) ‖ 0x00 ‖ thumbprint (32 bytes) ‖ challenge`
 *
 * Unambiguous: the label and purpose contain no 0x00, the thumbprint has a fixed length, and the
 * challenge (the only variable-length field) is last. The thumbprint commits to the whole public key.
 *
 * @example
 * ```ts
 * import { appAttestKeyVouchClientData } from '@settle/attestation';
 * const clientData = appAttestKeyVouchClientData({ purpose: 'binding', keyId, challenge });
 * ```
 */
export function appAttestKeyVouchClientData(vouch: AppAttestKeyVouch): Uint8Array {
  if (typeof vouch !== 'object' || vouch === null || !keyPurposes.includes(vouch.purpose)) {
    throw new AttestationError(
      'ERR_INVALID_ARGUMENT',
      `appAttestKeyVouchClientData: purpose must be one of ${keyPurposes.join(', ')}`,
    );
  }
  const thumbprint = typeof vouch.keyId === 'string' ? base64UrlDecode(vouch.keyId) : undefined;
  if (thumbprint?.length !== thumbprintLengthBytes)
    throw new AttestationError(
      'ERR_INVALID_ARGUMENT',
      'appAttestKeyVouchClientData: keyId must be a base64url SHA-256 thumbprint',
    );
  if (
    !isBytes(vouch.challenge) ||
    vouch.challenge.length === 0 ||
    vouch.challenge.length > challengeLengthMaxBytes
  ) {
    throw new AttestationError(
      'ERR_INVALID_ARGUMENT',
      `appAttestKeyVouchClientData: challenge must be 1 to ${challengeLengthMaxBytes} bytes`,
    );
  }
  const text = new TextEncoder();
  const separator = new Uint8Array([0]);
  const clientData = concatBytes(
    text.encode(appAttestKeyVouchLabel),
    separator,
    text.encode(vouch.purpose),
    separator,
    thumbprint,
    vouch.challenge,
  );
  assert(
    clientData.length ===
      appAttestKeyVouchLabel.length +
        vouch.purpose.length +
        2 +
        thumbprintLengthBytes +
        vouch.challenge.length,
    'the client data is its fields, nothing else',
  );
  return clientData;
}

/**
 * SHA-256 of {@link appAttestKeyVouchClientData}: the `clientDataHash` of the vouching assertion.
 *
 * @example
 * ```ts
 * import { appAttestKeyVouchClientDataHash } from '@settle/attestation';
 * const clientDataHash = appAttestKeyVouchClientDataHash({ purpose: 'binding', keyId, challenge }); // 32 bytes
 * ```
 */
export function appAttestKeyVouchClientDataHash(vouch: AppAttestKeyVouch): Uint8Array {
  return sha256(appAttestKeyVouchClientData(vouch));
}

/**
 * The evidence of a key an App Attest key vouches for: the attestation object of the App Attest key
 * (as `attestKey` returned it) and the assertion (as `generateAssertion` returned it), unchanged.
 *
 * @example
 * ```ts
 * const evidence: AppAttestKeyVouchEvidence = { attestationObject, assertion };
 * ```
 */
export interface AppAttestKeyVouchEvidence {
  readonly attestationObject: Uint8Array;
  readonly assertion: Uint8Array;
}

/**
 * Encodes the evidence for `apple-app-attest` with purpose `binding`: a deterministic-CBOR map
 * `{ "assertion": bytes, "attestationObject": bytes }` (what the app sends, base64url, as `evidence`).
 *
 * @example
 * ```ts
 * import { encodeAppAttestKeyVouchEvidence } from '@settle/attestation';
 * const evidence = encodeAppAttestKeyVouchEvidence({ attestationObject, assertion });
 * ```
 */
export function encodeAppAttestKeyVouchEvidence(evidence: AppAttestKeyVouchEvidence): Uint8Array {
  if (!isBytes(evidence.attestationObject) || !isBytes(evidence.assertion))
    throw new AttestationError(
      'ERR_INVALID_ARGUMENT',
      'encodeAppAttestKeyVouchEvidence: attestationObject and assertion must be Uint8Arrays',
    );
  return encodeCborDeterministic(
    new Map<string, unknown>([
      ['assertion', evidence.assertion],
      ['attestationObject', evidence.attestationObject],
    ]),
  );
}

/**
 * Decodes {@link encodeAppAttestKeyVouchEvidence}'s map: strict deterministic CBOR (this project
 * defines it), exactly the two members, both byte strings; otherwise `EVIDENCE_MALFORMED`. Decoding
 * only, nothing is verified: the registry uses it to refuse a malformed envelope at its API.
 *
 * @example
 * ```ts
 * import { decodeAppAttestKeyVouchEvidence } from '@settle/attestation';
 * if (!decodeAppAttestKeyVouchEvidence(evidence).ok) refuse('keys[1].evidence');
 * ```
 */
export function decodeAppAttestKeyVouchEvidence(
  evidence: Uint8Array,
): Checked<AppAttestKeyVouchEvidence> {
  const what = 'apple-app-attest evidence of a vouched key';
  const decoded = decodeCborEvidence(evidence, what);
  if (!decoded.ok) return decoded;
  const map = cborMapWithKeys(decoded.value, `${what} (a map of assertion and attestationObject)`, [
    'assertion',
    'attestationObject',
  ]);
  if (!map.ok) return map;
  const attestationObject = map.value.get('attestationObject');
  const assertion = map.value.get('assertion');
  if (!isBytes(attestationObject) || !isBytes(assertion))
    return reject(
      'EVIDENCE_MALFORMED',
      `${what}: assertion and attestationObject must be byte strings`,
    );
  return passed({ attestationObject, assertion });
}
