import { sha256 } from '@noble/hashes/sha2.js';
import { equalBytes } from '@settle/crypto';
import { concatBytes } from '../checks/concat-bytes';
import { type AttestationRejection, reject } from '../checks/rejection';

/**
 * Apple signs, in the credential certificate, nonce = SHA-256(authData ‖ clientDataHash), where
 * clientDataHash = SHA-256(challenge). Recomputing it with the issued challenge proves both that
 * the attestation is fresh and that the authenticator data (rpIdHash, counter, AAGUID, credential
 * id and key) is the data Apple saw: nothing else about authData is signed. A wrong challenge and
 * altered authData are indistinguishable here, hence one code.
 */
export function checkAppleNonce(
  certifiedNonce: Uint8Array,
  authenticatorData: Uint8Array,
  expectedChallenge: Uint8Array,
): AttestationRejection | undefined {
  const clientDataHash = sha256(expectedChallenge);
  const nonce = sha256(concatBytes(authenticatorData, clientDataHash));
  if (equalBytes(nonce, certifiedNonce)) return undefined;
  return reject(
    'NONCE_MISMATCH',
    'SHA-256(authData ‖ SHA-256(challenge)) is not the nonce Apple certified: wrong challenge or altered authenticator data',
  );
}
