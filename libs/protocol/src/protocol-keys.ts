import {
  type JwkInput,
  type PublicJwk,
  type SignatureAlgorithm,
  CryptoError,
  calculateJwkThumbprintBytes,
  coseAlgorithmIds,
  equalBytes,
  exportRawPublicKey,
  importPublicJwk,
  importRawPublicKey,
} from '@settle/crypto';
import { ProtocolError } from './errors';
import { invalidField } from './fields';

/**
 * A public key as the protocol uses it: its algorithm, its JWK and its key id (the 32-byte RFC 7638
 * thumbprint), checked in full once, when it is made, so that verification compares key ids
 * without re-hashing the key.
 *
 * @example
 * ```ts
 * const deviceKey: ProtocolPublicKey = protocolPublicKey(registeredJwk);
 * deviceKey.keyId; // Uint8Array(32)
 * ```
 */
export interface ProtocolPublicKey {
  readonly alg: SignatureAlgorithm;
  readonly publicJwk: PublicJwk;
  readonly keyId: Uint8Array;
}

/**
 * Makes a {@link ProtocolPublicKey} from a public JWK; throws `CryptoError` `ERR_JWK_INVALID` for a
 * malformed key (a registry bug or a bad registration, never a payment's fault).
 *
 * @example
 * ```ts
 * import { protocolPublicKey } from '@settle/protocol';
 * const processorKey = protocolPublicKey({ kty: 'EC', crv: 'P-256', x: '…', y: '…' });
 * ```
 */
export function protocolPublicKey(publicJwk: JwkInput): ProtocolPublicKey {
  const jwk = importPublicJwk(publicJwk);
  const alg: SignatureAlgorithm = jwk.kty === 'EC' ? 'ES256' : 'EdDSA';
  return Object.freeze({ alg, publicJwk: jwk, keyId: calculateJwkThumbprintBytes(jwk) });
}

/**
 * The key among `keys` whose key id is `keyId`, or throws `KEY_NOT_FOUND`: how a device picks the
 * processor key a credential or confirmation names (several are valid during a key rotation).
 *
 * @example
 * ```ts
 * const key = findProtocolKey(processorKeys, keyId);
 * ```
 */
export function findProtocolKey(
  keys: readonly ProtocolPublicKey[],
  keyId: Uint8Array,
): ProtocolPublicKey {
  const key = keys.find((candidate) => equalBytes(candidate.keyId, keyId));
  if (key === undefined)
    throw new ProtocolError(
      'KEY_NOT_FOUND',
      'keyId',
      'no known key has the key id of the protected header',
    );
  return key;
}

/** The COSE algorithm id of `alg`: -7 (ES256) or -8 (EdDSA). */
export function coseAlgorithmIdOf(alg: SignatureAlgorithm): number {
  return coseAlgorithmIds[alg];
}

/** `'ES256'` for -7, `'EdDSA'` for -8; `FIELD_INVALID` otherwise. */
export function readCoseAlgorithm(value: unknown, field: string): SignatureAlgorithm {
  if (value === coseAlgorithmIds.ES256) return 'ES256';
  if (value === coseAlgorithmIds.EdDSA) return 'EdDSA';
  return invalidField(field, 'must be -7 (ES256) or -8 (EdDSA)');
}

/**
 * A key in a credential: SEC 1 compressed point 02/03‖x (33 bytes) for ES256, the 32-byte point for
 * EdDSA; compressed because every byte costs air time.
 */
export function encodeCredentialKey(key: ProtocolPublicKey): Uint8Array {
  return exportRawPublicKey(key.publicJwk, { compressed: true });
}

/** The inverse of {@link encodeCredentialKey}: `FIELD_INVALID` unless a valid point of the algorithm's curve. */
export function readCredentialKey(
  alg: SignatureAlgorithm,
  value: unknown,
  field: string,
): ProtocolPublicKey {
  const expectedLength = alg === 'ES256' ? 33 : 32;
  if (!(value instanceof Uint8Array) || value.length !== expectedLength)
    return invalidField(field, `must be a ${expectedLength}-byte ${alg} public key`);
  try {
    return protocolPublicKey(importRawPublicKey(value, alg));
  } catch (error) {
    if (!(error instanceof CryptoError)) throw error;
    throw new ProtocolError('FIELD_INVALID', field, `${field} is not a valid ${alg} public key`, {
      cause: error,
    });
  }
}
