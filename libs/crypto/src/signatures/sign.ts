import {
  type SignatureAlgorithm,
  type SignatureBackend,
  checkSignatureAlgorithm,
  checkSignatureBackend,
  signatureLengthBytes,
} from '../algorithms';
import { isBytes } from '../encoding/bytes';
import { CryptoError, assert } from '../errors';
import { type JwkInput } from '../keys/jwk';
import { parsePrivateJwk } from '../keys/parse-jwk';
import { nativePrivateKeyOf, signWithNative, signWithNativeKey } from './native-backend';
import { signWithNoble } from './noble-backend';

/**
 * The arguments of {@link sign}.
 *
 * @example
 * ```ts
 * const input: SignInput = { alg: 'ES256', privateJwk, data, backend: 'noble' };
 * ```
 */
export interface SignInput {
  readonly alg: SignatureAlgorithm;
  /** The signer's private JWK (checked in full on every call; a service signing per request uses {@link createSigner}). */
  readonly privateJwk: JwkInput;
  readonly data: Uint8Array;
  /** `'noble'` is deterministic and always gives a low s; `'native'` uses OpenSSL (random k for ES256). */
  readonly backend: SignatureBackend;
}

/**
 * Signs `data`, returning the raw 64-byte signature (r‖s for ES256, R‖S for EdDSA). Throws
 * `ERR_JWK_INVALID` for a malformed private key or one whose public members do not match `d`.
 * ES256 signatures of the same data differ between calls and back ends, and both s and n - s
 * verify: never use signature bytes as an identity.
 *
 * @example
 * ```ts
 * import { sign } from '@settle/crypto';
 * const signature = sign({ alg: 'EdDSA', privateJwk, data: new TextEncoder().encode('hello'), backend: 'noble' });
 * ```
 */
export function sign(input: SignInput): Uint8Array {
  if (typeof input !== 'object' || input === null)
    throw new CryptoError('ERR_INVALID_ARGUMENT', 'sign takes one object argument');
  const alg = checkSignatureAlgorithm(input.alg);
  const backend = checkSignatureBackend(input.backend);
  if (!isBytes(input.data))
    throw new CryptoError('ERR_INVALID_ARGUMENT', 'data must be a Uint8Array');
  const key = parsePrivateJwk(input.privateJwk, alg);
  const signature =
    backend === 'native' ? signWithNative(key, input.data) : signWithNoble(key, input.data);
  assert(signature.length === signatureLengthBytes[alg], 'signature length');
  return signature;
}

/**
 * A signer for one key, for a service that signs per request (receipts, confirmations, access
 * tokens): the key is checked in full and imported once — deriving and comparing its public point
 * costs far more than a signature — and each call only signs. The same signatures as {@link sign}.
 *
 * @example
 * ```ts
 * import { createSigner } from '@settle/crypto';
 * const signReceipt = createSigner({ alg: 'ES256', privateJwk, backend: 'native' });
 * const signature = signReceipt(new TextEncoder().encode('hello'));
 * ```
 */
export function createSigner(input: Omit<SignInput, 'data'>): (data: Uint8Array) => Uint8Array {
  if (typeof input !== 'object' || input === null)
    throw new CryptoError('ERR_INVALID_ARGUMENT', 'createSigner takes one object argument');
  const alg = checkSignatureAlgorithm(input.alg);
  const backend = checkSignatureBackend(input.backend);
  const key = parsePrivateJwk(input.privateJwk, alg);
  const privateKey = backend === 'native' ? nativePrivateKeyOf(key) : undefined;
  return (data) => {
    if (!isBytes(data)) throw new CryptoError('ERR_INVALID_ARGUMENT', 'data must be a Uint8Array');
    const signature =
      privateKey === undefined
        ? signWithNoble(key, data)
        : signWithNativeKey(alg, privateKey, data);
    assert(signature.length === signatureLengthBytes[alg], 'signature length');
    return signature;
  };
}
