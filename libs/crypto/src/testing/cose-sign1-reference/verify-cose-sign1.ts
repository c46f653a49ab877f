// TEST-ONLY REFERENCE (see index.ts): not production code; the production COSE_Sign1 is
// libs/protocol/src/cose.ts.
import {
  type SignatureAlgorithm,
  type SignatureBackend,
  checkSignatureAlgorithm,
  checkSignatureBackend,
  coseAlgorithmIds,
} from '../../algorithms';
import { isBytes } from '../../encoding/bytes';
import { CryptoError, assert } from '../../errors';
import { type JwkInput } from '../../keys/jwk';
import { checkJwkShape } from '../../keys/parse-jwk';
import { verifySignature } from '../../signatures/verify-signature';
import { parseCoseSign1 } from './parse-cose-sign1';
import {
  type CoseHeaderMap,
  coseHeaderLabels,
  encodeSign1SigStructure,
} from './reference-constants';

/**
 * Options of {@link verifyCoseSign1}.
 *
 * @example
 * ```ts
 * const options: VerifyCoseSign1Options = { publicJwk, algorithms: ['ES256'], detachedPayload, backend: 'native' };
 * ```
 */
export interface VerifyCoseSign1Options {
  /** The signer's public JWK (look it up by {@link decodeCoseSign1Header}'s `keyId` first if needed). */
  readonly publicJwk: JwkInput;
  /** Algorithm allow-list: the message's `alg` must be in it (and be the key's algorithm). Not empty. */
  readonly algorithms: readonly SignatureAlgorithm[];
  readonly backend: SignatureBackend;
  /** The payload of a detached-payload message; must be absent for an attached one. */
  readonly detachedPayload?: Uint8Array;
  /** The external additional authenticated data the signer used. Default empty. */
  readonly externalAad?: Uint8Array;
  /** Default {@link coseMessageSizeMaxBytes}. */
  readonly messageSizeMaxBytes?: number;
}

/**
 * What a successfully verified COSE_Sign1 carries.
 *
 * @example
 * ```ts
 * const { payload, keyId }: VerifiedCoseSign1 = verifyCoseSign1(message, options);
 * ```
 */
export interface VerifiedCoseSign1 {
  readonly alg: SignatureAlgorithm;
  /** `kid` (protected header, else unprotected); a hint, covered by the signature only if protected. */
  readonly keyId: Uint8Array | undefined;
  /** `content type` from the protected header, if any. */
  readonly contentType: unknown;
  readonly protectedHeader: CoseHeaderMap;
  readonly unprotectedHeader: CoseHeaderMap;
  /** The signed payload (a copy): the attached one, or the detached one that was supplied. */
  readonly payload: Uint8Array;
  readonly detached: boolean;
}

function checkAllowList(algorithms: readonly SignatureAlgorithm[]): readonly SignatureAlgorithm[] {
  if (!Array.isArray(algorithms) || algorithms.length === 0) {
    throw new CryptoError('ERR_INVALID_ARGUMENT', 'algorithms must be a non-empty allow-list');
  }
  return algorithms.map(checkSignatureAlgorithm);
}

function allowedAlgorithm(
  algorithmId: unknown,
  allowed: readonly SignatureAlgorithm[],
  keyAlg: SignatureAlgorithm,
): SignatureAlgorithm {
  const alg = allowed.find((candidate) => coseAlgorithmIds[candidate] === algorithmId);
  if (alg === undefined)
    throw new CryptoError(
      'ERR_ALG_NOT_ALLOWED',
      `COSE alg ${String(algorithmId)} is not in the allow-list`,
    );
  if (alg !== keyAlg)
    throw new CryptoError(
      'ERR_ALG_NOT_ALLOWED',
      `COSE alg ${alg} does not match the key, an ${keyAlg} key`,
    );
  return alg;
}

function resolvePayload(attached: Uint8Array | null, detached: Uint8Array | undefined): Uint8Array {
  if (detached !== undefined && !isBytes(detached))
    throw new CryptoError('ERR_INVALID_ARGUMENT', 'detachedPayload must be a Uint8Array');
  if (attached === null && detached === undefined) {
    throw new CryptoError(
      'ERR_COSE_PAYLOAD_MISMATCH',
      'the payload is detached but no detachedPayload was supplied',
    );
  }
  if (attached !== null && detached !== undefined) {
    throw new CryptoError(
      'ERR_COSE_PAYLOAD_MISMATCH',
      'the payload is attached but a detachedPayload was also supplied',
    );
  }
  return attached ?? (detached as Uint8Array);
}

/**
 * Verifies a COSE_Sign1 (RFC 9052 §4.4) over the exact bytes received and returns its contents, or
 * throws a `CryptoError`: `ERR_COSE_MESSAGE_TOO_LARGE`, `ERR_COSE_MALFORMED` (not strict
 * deterministic CBOR, not COSE_Sign1, `alg` unprotected or missing, `crit`, a label in both
 * headers; detail in `cause`), `ERR_ALG_NOT_ALLOWED`, `ERR_COSE_PAYLOAD_MISMATCH`,
 * `ERR_COSE_SIGNATURE_INVALID`; `ERR_JWK_INVALID` or `ERR_INVALID_ARGUMENT` for bad options.
 * Only a returned value means the signature is valid.
 *
 * @example
 * ```ts
 * import { verifyCoseSign1 } from '@settle/crypto/testing/cose-sign1-reference';
 * const { payload, keyId } = verifyCoseSign1(message, {
 *   publicJwk: devicePublicJwk,
 *   algorithms: ['ES256'],
 *   detachedPayload: paymentRequestBytes,
 *   backend: 'native',
 * });
 * ```
 */
export function verifyCoseSign1(
  message: Uint8Array,
  options: VerifyCoseSign1Options,
): VerifiedCoseSign1 {
  if (typeof options !== 'object' || options === null)
    throw new CryptoError('ERR_INVALID_ARGUMENT', 'verifyCoseSign1 takes an options object');
  const allowed = checkAllowList(options.algorithms);
  const backend = checkSignatureBackend(options.backend);
  const { alg: keyAlg } = checkJwkShape(options.publicJwk, undefined, 'public');
  if (options.externalAad !== undefined && !isBytes(options.externalAad))
    throw new CryptoError('ERR_INVALID_ARGUMENT', 'externalAad must be a Uint8Array');

  const parsed = parseCoseSign1(message, options.messageSizeMaxBytes);
  const alg = allowedAlgorithm(parsed.algorithmId, allowed, keyAlg);
  const payload = resolvePayload(parsed.payload, options.detachedPayload);
  const sigStructure = encodeSign1SigStructure(
    parsed.protectedHeaderBytes,
    options.externalAad ?? new Uint8Array(0),
    payload,
  );
  const valid = verifySignature({
    alg,
    jwk: options.publicJwk,
    data: sigStructure,
    signature: parsed.signature,
    backend,
  });
  if (!valid)
    throw new CryptoError('ERR_COSE_SIGNATURE_INVALID', 'the COSE_Sign1 signature does not verify');
  assert(parsed.signature.length === 64, 'a valid signature is 64 bytes');
  return {
    alg,
    keyId: parsed.keyId?.slice(),
    contentType: parsed.protectedHeader.get(coseHeaderLabels.contentType),
    protectedHeader: parsed.protectedHeader,
    unprotectedHeader: parsed.unprotectedHeader,
    payload: payload.slice(),
    detached: parsed.payload === null,
  };
}
