import { sha256 } from '@noble/hashes/sha2.js';
import { equalBytes } from '@settle/crypto';
import { type Checked, passed, reject } from '../checks/rejection';

/**
 * The authenticator scoped the key to a relying party: `rpIdHash` must be SHA-256 of one of the
 * configured ids (an App Attest app id, a WebAuthn RP id). Otherwise the key was made for another
 * app or site, and the evidence was relayed from there. Returns the id that matched.
 */
export function checkRpIdHash(rpIdHash: Uint8Array, rpIds: readonly string[]): Checked<string> {
  const encoder = new TextEncoder();
  const matched = rpIds.find((rpId) => equalBytes(sha256(encoder.encode(rpId)), rpIdHash));
  if (matched === undefined)
    return reject('RP_ID_MISMATCH', `rpIdHash is not SHA-256 of ${rpIds.join(' or ')}`);
  return passed(matched);
}
