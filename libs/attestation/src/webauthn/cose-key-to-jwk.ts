import { type PublicJwk, importRawPublicKey, isCryptoError } from '@settle/crypto';
import { isBytes } from '@settle/crypto/encoding/bytes';
import { concatBytes } from '../checks/concat-bytes';
import { type Checked, passed, reject } from '../checks/rejection';

/** COSE (RFC 9053) labels and values of the two key types the protocol uses. */
const coseKeyLabels = { kty: 1, alg: 3, crv: -1, x: -2, y: -3 } as const;
const coseKeyTypeOkp = 1;
const coseKeyTypeEc2 = 2;
const coseAlgorithmEs256 = -7;
const coseAlgorithmEdDsa = -8;
const coseCurveP256 = 1;
const coseCurveEd25519 = 6;

/** A credential public key, as a JWK, with its COSE algorithm. */
export interface CoseCredentialKey {
  readonly publicKeyJwk: PublicJwk;
  readonly coseAlgorithm: typeof coseAlgorithmEs256 | typeof coseAlgorithmEdDsa;
}

/**
 * Converts a decoded COSE_Key to a JWK: EC2/ES256/P-256 or OKP/EdDSA/Ed25519 with exactly the
 * members those need. Another key type or algorithm (RS256, P-384) is `KEY_ALGORITHM_NOT_ALLOWED`;
 * a malformed key (wrong lengths, extra members, not on the curve) is `EVIDENCE_MALFORMED`.
 */
export function coseKeyToJwk(coseKey: unknown): Checked<CoseCredentialKey> {
  if (!(coseKey instanceof Map))
    return reject('EVIDENCE_MALFORMED', 'the credential public key is not a COSE_Key map');
  const kty = coseKey.get(coseKeyLabels.kty);
  const alg = coseKey.get(coseKeyLabels.alg);
  const crv = coseKey.get(coseKeyLabels.crv);
  const x = coseKey.get(coseKeyLabels.x);
  const y = coseKey.get(coseKeyLabels.y);
  const isEs256 = kty === coseKeyTypeEc2 && alg === coseAlgorithmEs256 && crv === coseCurveP256;
  const isEdDsa = kty === coseKeyTypeOkp && alg === coseAlgorithmEdDsa && crv === coseCurveEd25519;
  if (!isEs256 && !isEdDsa)
    return reject(
      'KEY_ALGORITHM_NOT_ALLOWED',
      `credential key type ${String(kty)}, algorithm ${String(alg)}, curve ${String(crv)} is not ES256 or EdDSA`,
    );
  if (coseKey.size !== (isEs256 ? 5 : 4) || !isBytes(x) || (isEs256 && !isBytes(y))) {
    return reject(
      'EVIDENCE_MALFORMED',
      'the COSE_Key does not have exactly the members of its key type',
    );
  }
  try {
    const publicKeyJwk = isEs256
      ? importRawPublicKey(concatBytes(new Uint8Array([0x04]), x, y as Uint8Array), 'ES256')
      : importRawPublicKey(x, 'EdDSA');
    return passed({
      publicKeyJwk,
      coseAlgorithm: isEs256 ? coseAlgorithmEs256 : coseAlgorithmEdDsa,
    });
  } catch (error) {
    if (!isCryptoError(error)) throw error;
    return reject(
      'EVIDENCE_MALFORMED',
      `the credential public key is not a valid point: ${error.message}`,
    );
  }
}
