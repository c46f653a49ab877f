import {
  type SignatureAlgorithm,
  type SignatureBackend,
  checkSignatureAlgorithm,
  checkSignatureBackend,
} from '../algorithms';
import { isBytes } from '../encoding/bytes';
import { CryptoError } from '../errors';
import { type JwkInput } from '../keys/jwk';

/** The arguments of a verification, checked: what `verifySignature` and `verifySignatureAsync` both accept. */
export interface CheckedVerifyInput {
  readonly alg: SignatureAlgorithm;
  readonly backend: SignatureBackend;
  readonly jwk: JwkInput;
  readonly data: Uint8Array;
  readonly signature: Uint8Array;
}

/**
 * Checks a verification's arguments, for both the synchronous and the asynchronous form (one
 * definition of what they accept): `ERR_INVALID_ARGUMENT` for a missing object, an unknown back end
 * or bytes that are not a Uint8Array, `ERR_ALG_NOT_SUPPORTED` for an unknown `alg`. The key is
 * checked by the back end.
 */
export function checkVerifyInput(input: unknown, operation: string): CheckedVerifyInput {
  if (typeof input !== 'object' || input === null)
    throw new CryptoError('ERR_INVALID_ARGUMENT', `${operation} takes one object argument`);
  const { alg, backend, jwk, data, signature } = input as Record<string, unknown>;
  const checkedAlg = checkSignatureAlgorithm(alg);
  const checkedBackend = checkSignatureBackend(backend);
  if (!isBytes(data)) throw new CryptoError('ERR_INVALID_ARGUMENT', 'data must be a Uint8Array');
  if (!isBytes(signature))
    throw new CryptoError('ERR_INVALID_ARGUMENT', 'signature must be a Uint8Array');
  return { alg: checkedAlg, backend: checkedBackend, jwk: jwk as JwkInput, data, signature };
}
