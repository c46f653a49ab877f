import { sha256 } from '@noble/hashes/sha2.js';
import { type PublicJwk, base64UrlEncode, equalBytes, exportRawPublicKey } from '@settle/crypto';
import { base64Encode } from '@settle/crypto/encoding/base64';
import { type Checked, passed, reject } from '../checks/rejection';

/**
 * Apple's key id is SHA-256 of the raw uncompressed public point (04‖x‖y); it must be the credential
 * id in the authenticator data, which is how the app will name the key in later assertions. Not the
 * protocol's key id (an RFC 7638 thumbprint). Returns Apple's key id in base64, as Apple prints it.
 */
export function checkCredentialId(
  certifiedKey: PublicJwk,
  credentialId: Uint8Array,
): Checked<string> {
  const appleKeyId = sha256(exportRawPublicKey(certifiedKey));
  if (!equalBytes(appleKeyId, credentialId)) {
    return reject(
      'CREDENTIAL_ID_MISMATCH',
      `the credential id is not SHA-256 of the certified public key (${base64UrlEncode(appleKeyId)})`,
    );
  }
  return passed(base64Encode(appleKeyId));
}
