import { checkVerifyInput } from './check-verify-input';
import { verifyWithNativeAsync } from './native-backend';
import { verifyWithNoble } from './noble-backend';
import { type VerifySignatureInput } from './verify-signature';

/**
 * {@link verifySignature} without blocking the caller's thread: on the `'native'` back end OpenSSL
 * verifies in the libuv threadpool (node:crypto's callback form), so a service can verify a batch
 * concurrently while its event loop serves requests. Same arguments, same keys cache, same result
 * for every input (a test runs the Wycheproof and RFC vectors through both forms).
 *
 * Failure modes are those of `verifySignature`, as a rejected promise instead of a throw: a wrong,
 * malformed or wrong-length signature resolves `false`; a malformed key rejects with `CryptoError`
 * `ERR_JWK_INVALID`; an unknown `alg` with `ERR_ALG_NOT_SUPPORTED`; bad argument types with
 * `ERR_INVALID_ARGUMENT`. The `'noble'` back end has no threadpool (it is for devices and browsers):
 * it verifies on the calling thread and resolves with the result.
 *
 * @example
 * ```ts
 * import { verifySignatureAsync } from '@settle/crypto';
 * const valid = await verifySignatureAsync({ alg: 'ES256', jwk: devicePublicJwk, data, signature, backend: 'native' });
 * ```
 */
export function verifySignatureAsync(input: VerifySignatureInput): Promise<boolean> {
  // Not an `async` function: the threadpool's promise is handed back as is (no extra promise and
  // microtask hops per verification on a service's hot path); a throw still becomes a rejection.
  try {
    const { alg, backend, jwk, data, signature } = checkVerifyInput(input, 'verifySignatureAsync');
    return backend === 'native'
      ? verifyWithNativeAsync(alg, jwk, data, signature)
      : Promise.resolve(verifyWithNoble(alg, jwk, data, signature));
  } catch (error) {
    return Promise.reject(error as Error);
  }
}
