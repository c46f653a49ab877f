// TEST-ONLY REFERENCE (see index.ts): not production code; the production COSE_Sign1 is
// libs/protocol/src/cose.ts.
import { type SignatureAlgorithm, coseAlgorithmIds, signatureAlgorithms } from '../../algorithms';
import { CryptoError } from '../../errors';
import { type CoseHeaderMap } from './reference-constants';
import { parseCoseSign1 } from './parse-cose-sign1';

/**
 * The headers of a COSE_Sign1 whose signature has NOT been checked.
 *
 * @example
 * ```ts
 * const { alg, keyId }: UnverifiedCoseSign1Header = decodeCoseSign1Header(message);
 * ```
 */
export interface UnverifiedCoseSign1Header {
  readonly alg: SignatureAlgorithm;
  readonly keyId: Uint8Array | undefined;
  readonly protectedHeader: CoseHeaderMap;
  readonly unprotectedHeader: CoseHeaderMap;
  readonly detached: boolean;
}

/**
 * Reads the headers of a COSE_Sign1 without verifying it, to find the key to verify it with. The
 * payload is deliberately not returned: only {@link verifyCoseSign1} hands out a payload, so the
 * two cannot be confused. Throws as the structural part of `verifyCoseSign1` does, and
 * `ERR_ALG_NOT_SUPPORTED` for an `alg` other than -7 or -8.
 *
 * @example
 * ```ts
 * import { decodeCoseSign1Header, verifyCoseSign1 } from '@settle/crypto/testing/cose-sign1-reference';
 * const { keyId } = decodeCoseSign1Header(message);
 * const publicJwk = await devices.publicJwkByKeyId(keyId);
 * const verified = verifyCoseSign1(message, { publicJwk, algorithms: ['ES256'], backend: 'native' });
 * ```
 */
export function decodeCoseSign1Header(
  message: Uint8Array,
  options: { readonly messageSizeMaxBytes?: number } = {},
): UnverifiedCoseSign1Header {
  const parsed = parseCoseSign1(message, options.messageSizeMaxBytes);
  const alg = signatureAlgorithms.find(
    (candidate) => coseAlgorithmIds[candidate] === parsed.algorithmId,
  );
  if (alg === undefined)
    throw new CryptoError(
      'ERR_ALG_NOT_SUPPORTED',
      `COSE alg ${String(parsed.algorithmId)} is not supported`,
    );
  return {
    alg,
    keyId: parsed.keyId?.slice(),
    protectedHeader: parsed.protectedHeader,
    unprotectedHeader: parsed.unprotectedHeader,
    detached: parsed.payload === null,
  };
}
