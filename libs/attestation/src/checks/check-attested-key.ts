import { type PublicJwk, type SignatureAlgorithm, importSpki, isCryptoError } from '@settle/crypto';
import { type Checked, passed, reject } from './rejection';
import { type RegisteredKey, registeredKeyOf } from './registered-key';

/**
 * The attested key must be of an allowed algorithm (`KEY_ALGORITHM_NOT_ALLOWED`) and be the key
 * being registered (`PUBLIC_KEY_MISMATCH`): otherwise the evidence vouches for some other key,
 * possibly a genuine hardware key of the attacker's, while the registry would activate theirs.
 * Keys are compared by their RFC 7638 thumbprints, so encodings cannot differ.
 */
export function checkAttestedJwk(
  attested: PublicJwk,
  keyToRegister: RegisteredKey,
  keyAlgorithms: readonly SignatureAlgorithm[],
): Checked<RegisteredKey> {
  const attestedKey = registeredKeyOf(attested);
  if (!keyAlgorithms.includes(attestedKey.algorithm)) {
    return reject(
      'KEY_ALGORITHM_NOT_ALLOWED',
      `the attested key is an ${attestedKey.algorithm} key; the policy accepts ${keyAlgorithms.join(', ')}`,
    );
  }
  if (attestedKey.keyId !== keyToRegister.keyId) {
    return reject(
      'PUBLIC_KEY_MISMATCH',
      `the attested key ${attestedKey.keyId} is not the key being registered ${keyToRegister.keyId}`,
    );
  }
  return passed(attestedKey);
}

/**
 * {@link checkAttestedJwk} for a key given as a certificate's DER SubjectPublicKeyInfo. A key of an
 * algorithm the protocol does not use at all (RSA, P-384) is `KEY_ALGORITHM_NOT_ALLOWED`.
 */
export function checkAttestedSpki(
  subjectPublicKeyInfo: Uint8Array,
  keyToRegister: RegisteredKey,
  keyAlgorithms: readonly SignatureAlgorithm[],
): Checked<RegisteredKey> {
  let attested: PublicJwk;
  try {
    attested = importSpki(subjectPublicKeyInfo);
  } catch (error) {
    if (!isCryptoError(error, 'ERR_KEY_ENCODING_INVALID')) throw error;
    return reject('KEY_ALGORITHM_NOT_ALLOWED', 'the attested key is not a P-256 or Ed25519 key');
  }
  return checkAttestedJwk(attested, keyToRegister, keyAlgorithms);
}
