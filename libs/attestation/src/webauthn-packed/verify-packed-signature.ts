import { type PublicJwk, ecdsaDerToRaw, isCryptoError, verifySignature } from '@settle/crypto';
import { isBytes } from '@settle/crypto/encoding/bytes';
import { type AttestationRejection, reject } from '../checks/rejection';

/** COSE algorithm ids of the attestation signatures accepted: ES256 (DER-encoded) and EdDSA. */
const coseAlgorithms = { [-7]: 'ES256', [-8]: 'EdDSA' } as const;

/**
 * Verifies the `packed` attestation signature over authData ‖ SHA-256(clientDataJSON) with the
 * given key (the attestation certificate's for `x5c`, the credential's own for self attestation).
 * `alg` must be ES256 or EdDSA and match the key; ES256 signatures arrive in DER and must be
 * strict DER. Any failure is `SIGNATURE_INVALID`.
 */
export function verifyPackedSignature(
  alg: unknown,
  signature: unknown,
  key: PublicJwk,
  signedData: Uint8Array,
): AttestationRejection | undefined {
  const algorithm =
    typeof alg === 'number' ? coseAlgorithms[alg as keyof typeof coseAlgorithms] : undefined;
  if (algorithm === undefined)
    return reject(
      'SIGNATURE_INVALID',
      `attestation algorithm ${String(alg)} is not ES256 (-7) or EdDSA (-8)`,
    );
  if (!isBytes(signature))
    return reject('SIGNATURE_INVALID', 'the attestation signature is not a byte string');
  if ((algorithm === 'ES256') !== (key.kty === 'EC'))
    return reject(
      'SIGNATURE_INVALID',
      `attestation algorithm ${algorithm} is not the signing key's`,
    );
  try {
    const raw = algorithm === 'ES256' ? ecdsaDerToRaw(signature) : signature;
    if (
      verifySignature({
        alg: algorithm,
        jwk: key,
        data: signedData,
        signature: raw,
        backend: 'native',
      })
    )
      return undefined;
  } catch (error) {
    if (!isCryptoError(error, 'ERR_ECDSA_SIGNATURE_ENCODING_INVALID')) throw error;
  }
  return reject('SIGNATURE_INVALID', 'the attestation signature does not verify');
}
