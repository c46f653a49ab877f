// TEST-ONLY REFERENCE (see index.ts): not production code; the production COSE_Sign1 is
// libs/protocol/src/cose.ts.
import { Tag } from 'cbor2';
import {
  type SignatureAlgorithm,
  type SignatureBackend,
  checkSignatureAlgorithm,
  coseAlgorithmIds,
} from '../../algorithms';
import { encodeCborDeterministic } from '../../cbor/encode-cbor-deterministic';
import { isBytes } from '../../encoding/bytes';
import { CryptoError, assert } from '../../errors';
import { type JwkInput } from '../../keys/jwk';
import { sign } from '../../signatures/sign';
import {
  type CoseHeaderLabel,
  coseHeaderLabels,
  coseSign1Tag,
  encodeSign1SigStructure,
  coseMessageSizeMaxBytes,
} from './reference-constants';

/**
 * Options of {@link signCoseSign1}.
 *
 * @example
 * ```ts
 * const options: SignCoseSign1Options = { alg: 'ES256', privateJwk, payload, detached: true, backend: 'noble' };
 * ```
 */
export interface SignCoseSign1Options {
  /** Written to the protected header as -7 (ES256) or -8 (EdDSA); must match the key. */
  readonly alg: SignatureAlgorithm;
  readonly privateJwk: JwkInput;
  /** The payload bytes, typically deterministic CBOR of a protocol structure. */
  readonly payload: Uint8Array;
  readonly backend: SignatureBackend;
  /** Written to the protected header as `kid` (label 4); e.g. the 32-byte JWK thumbprint. */
  readonly keyId?: Uint8Array;
  /** Written to the protected header as `content type` (label 3): says which structure the payload is. */
  readonly contentType?: number | string;
  /** Leave the payload out of the message (it is `nil`); the verifier supplies it. Default false. */
  readonly detached?: boolean;
  /** Bytes the signature also covers but the message does not carry (RFC 9052 §4.3). Default empty. */
  readonly externalAad?: Uint8Array;
  /** Emit COSE_Sign1_Tagged (tag 18). Default true. */
  readonly tagged?: boolean;
  /** Default {@link coseMessageSizeMaxBytes}. */
  readonly messageSizeMaxBytes?: number;
}

function checkOptions(options: SignCoseSign1Options): void {
  if (typeof options !== 'object' || options === null)
    throw new CryptoError('ERR_INVALID_ARGUMENT', 'signCoseSign1 takes an options object');
  if (!isBytes(options.payload))
    throw new CryptoError('ERR_INVALID_ARGUMENT', 'payload must be a Uint8Array');
  if (options.keyId !== undefined && !isBytes(options.keyId))
    throw new CryptoError('ERR_INVALID_ARGUMENT', 'keyId must be a Uint8Array');
  if (options.externalAad !== undefined && !isBytes(options.externalAad))
    throw new CryptoError('ERR_INVALID_ARGUMENT', 'externalAad must be a Uint8Array');
  const { contentType } = options;
  if (
    contentType !== undefined &&
    !(typeof contentType === 'string' || (Number.isSafeInteger(contentType) && contentType >= 0))
  ) {
    throw new CryptoError(
      'ERR_INVALID_ARGUMENT',
      'contentType must be a text string or an unsigned integer',
    );
  }
}

/**
 * Signs a payload as a COSE_Sign1 message (RFC 9052 §4.2) in deterministic CBOR. The protected
 * header carries `alg` and, when given, `kid` and `content type`; the unprotected header is empty.
 * Throws `ERR_JWK_INVALID` for a bad key, `ERR_COSE_MESSAGE_TOO_LARGE` when the message would exceed
 * the limit (it is never truncated).
 *
 * @example
 * ```ts
 * import { calculateJwkThumbprintBytes, encodeCborDeterministic } from '@settle/crypto';
 * import { signCoseSign1 } from '@settle/crypto/testing/cose-sign1-reference';
 * const message = signCoseSign1({
 *   alg: 'ES256',
 *   privateJwk,
 *   keyId: calculateJwkThumbprintBytes(privateJwk),
 *   payload: encodeCborDeterministic(new Map([[1, 'payment-request/v1'], [2, 1250n]])),
 *   backend: 'native',
 * });
 * ```
 */
export function signCoseSign1(options: SignCoseSign1Options): Uint8Array {
  checkOptions(options);
  const alg = checkSignatureAlgorithm(options.alg);
  const protectedHeader = new Map<CoseHeaderLabel, unknown>([
    [coseHeaderLabels.alg, coseAlgorithmIds[alg]],
  ]);
  if (options.contentType !== undefined)
    protectedHeader.set(coseHeaderLabels.contentType, options.contentType);
  if (options.keyId !== undefined) protectedHeader.set(coseHeaderLabels.kid, options.keyId);
  const protectedHeaderBytes = encodeCborDeterministic(protectedHeader);
  const sigStructure = encodeSign1SigStructure(
    protectedHeaderBytes,
    options.externalAad ?? new Uint8Array(0),
    options.payload,
  );
  const signature = sign({
    alg,
    privateJwk: options.privateJwk,
    data: sigStructure,
    backend: options.backend,
  });
  const structure = [
    protectedHeaderBytes,
    new Map(),
    options.detached === true ? null : options.payload,
    signature,
  ];
  const message = encodeCborDeterministic(
    options.tagged === false ? structure : new Tag(coseSign1Tag, structure),
  );
  const messageSizeMaxBytes = options.messageSizeMaxBytes ?? coseMessageSizeMaxBytes;
  if (message.length > messageSizeMaxBytes) {
    throw new CryptoError(
      'ERR_COSE_MESSAGE_TOO_LARGE',
      `COSE message would be ${message.length} bytes, more than ${messageSizeMaxBytes}`,
    );
  }
  assert(
    message.length > signature.length + protectedHeaderBytes.length,
    'message holds header and signature',
  );
  return message;
}
