import { type SignatureAlgorithm, type SignatureBackend } from '@settle/crypto';
import {
  type ParsedSign1,
  type PreparedSign1,
  type ProtocolSigner,
  labelAad,
  parseSign1,
  prepareSign1,
  verifySign1,
} from './cose';
import { type ProtocolResult, protocolResult } from './errors';
import { checkSize, readTimeMs, readUnsigned } from './fields';
import { protocolHeaderLabels, protocolLabels } from './labels';
import {
  consumerAuthorizationSizeMaxBytes,
  deviceCounterMax,
  paymentRequestSizeMaxBytes,
} from './limits';
import { type ProtocolPublicKey } from './protocol-keys';
import { calculateTransactionId } from './transaction-id';

/**
 * The consumer's authorization of one payment request (PCD → POS, over sound, one frame): a
 * COSE_Sign1_Tagged by the device's payment key with the request bytes as detached payload and
 * `"settle/consumer-authorization/v1"` as external AAD. Its protected header carries `alg`, `kid`
 * (the payment key's 32-byte thumbprint), the device counter (label −65537) and the time (−65538).
 *
 * @example
 * ```ts
 * const { deviceCounter, authorizedAtMs } = unwrapProtocolResult(decodeConsumerAuthorization(bytes));
 * ```
 */
export interface ConsumerAuthorization {
  readonly alg: SignatureAlgorithm;
  /** RFC 7638 thumbprint of the payment key (32 bytes). */
  readonly keyId: Uint8Array;
  /** The device's monotonic counter: never reused by one device (unsigned 64-bit). */
  readonly deviceCounter: bigint;
  /** When the consumer approved, by the phone's clock, in milliseconds since the Unix epoch. */
  readonly authorizedAtMs: number;
  /** The protected header exactly as received: signed, and hashed into the transaction id. */
  readonly protectedHeaderBytes: Uint8Array;
  readonly signature: Uint8Array;
}

/**
 * A consumer authorization whose signature verified over the given request bytes, with the
 * transaction id it fixes.
 *
 * @example
 * ```ts
 * const { transactionId, deviceCounter }: VerifiedConsumerAuthorization = result.value;
 * ```
 */
export interface VerifiedConsumerAuthorization extends ConsumerAuthorization {
  /** SHA-256 over the request bytes and the protected header bytes (`calculateTransactionId`). */
  readonly transactionId: Uint8Array;
}

/**
 * What {@link prepareConsumerAuthorization} signs.
 *
 * @example
 * ```ts
 * const input: ConsumerAuthorizationInput = { requestBytes, deviceCounter: 4188n, authorizedAtMs: nowMs, alg: 'ES256', keyId };
 * ```
 */
export interface ConsumerAuthorizationInput {
  /** The payment request exactly as received. */
  readonly requestBytes: Uint8Array;
  readonly deviceCounter: bigint;
  readonly authorizedAtMs: number;
  readonly alg: SignatureAlgorithm;
  /** The payment key's 32-byte thumbprint. */
  readonly keyId: Uint8Array;
}

const structure = 'a consumer authorization';
const externalAad = labelAad(protocolLabels.consumerAuthorization);
const extraLabels = [protocolHeaderLabels.deviceCounter, protocolHeaderLabels.signedAtMs] as const;

function fromParsed(parsed: ParsedSign1): ConsumerAuthorization {
  return {
    alg: parsed.alg,
    keyId: parsed.keyId,
    deviceCounter: readUnsigned(
      parsed.extraProtected.get(protocolHeaderLabels.deviceCounter),
      'deviceCounter',
      deviceCounterMax,
    ),
    authorizedAtMs: readTimeMs(
      parsed.extraProtected.get(protocolHeaderLabels.signedAtMs),
      'authorizedAtMs',
    ),
    protectedHeaderBytes: parsed.protectedHeaderBytes,
    signature: parsed.signature,
  };
}

function parse(bytes: Uint8Array): ConsumerAuthorization {
  return fromParsed(
    parseSign1(bytes, {
      detached: true,
      extraLabels,
      sizeMaxBytes: consumerAuthorizationSizeMaxBytes,
      structure,
    }),
  );
}

/**
 * The two-step signing of a consumer authorization: sign `toBeSigned` with the payment key (on a
 * phone: in secure hardware, after the user's authentication), then `complete(signature)`.
 * Throws `ProtocolError` for invalid input.
 *
 * @example
 * ```ts
 * import { prepareConsumerAuthorization } from '@settle/protocol';
 * const prepared = prepareConsumerAuthorization({ requestBytes, deviceCounter, authorizedAtMs, alg: key.alg, keyId: key.keyId });
 * const authorizationBytes = prepared.complete(await key.sign(prepared.toBeSigned, prompt));
 * ```
 */
export function prepareConsumerAuthorization(input: ConsumerAuthorizationInput): PreparedSign1 {
  checkSize(input.requestBytes, paymentRequestSizeMaxBytes, 'the payment request');
  const deviceCounter = readUnsigned(input.deviceCounter, 'deviceCounter', deviceCounterMax);
  const authorizedAtMs = readTimeMs(input.authorizedAtMs, 'authorizedAtMs');
  return prepareSign1(
    {
      alg: input.alg,
      keyId: input.keyId,
      extraProtected: new Map<number, unknown>([
        [protocolHeaderLabels.deviceCounter, deviceCounter],
        [protocolHeaderLabels.signedAtMs, authorizedAtMs],
      ]),
      payload: input.requestBytes,
      detached: true,
      externalAad,
    },
    consumerAuthorizationSizeMaxBytes,
    structure,
  );
}

/**
 * Signs a consumer authorization in one step with a synchronous signer (software keys, tests).
 *
 * @example
 * ```ts
 * import { signConsumerAuthorization, softwareSigner } from '@settle/protocol';
 * const authorizationBytes = signConsumerAuthorization({ requestBytes, deviceCounter: 4188n, authorizedAtMs }, softwareSigner(privateJwk, 'noble'));
 * ```
 */
export function signConsumerAuthorization(
  input: Omit<ConsumerAuthorizationInput, 'alg' | 'keyId'>,
  signer: ProtocolSigner,
): Uint8Array {
  const prepared = prepareConsumerAuthorization({ ...input, alg: signer.alg, keyId: signer.keyId });
  return prepared.complete(signer.sign(prepared.toBeSigned));
}

/**
 * Decodes a consumer authorization WITHOUT verifying it (to read the key id and find the key, or
 * to show it): size, strict CBOR, COSE layout, protected header fields. Use
 * {@link verifyConsumerAuthorization} before acting on it.
 *
 * @example
 * ```ts
 * import { decodeConsumerAuthorization } from '@settle/protocol';
 * const decoded = decodeConsumerAuthorization(bytes);
 * if (decoded.ok) lookUpDeviceKey(decoded.value.keyId);
 * ```
 */
export function decodeConsumerAuthorization(
  bytes: Uint8Array,
): ProtocolResult<ConsumerAuthorization> {
  return protocolResult(() => parse(bytes));
}

/**
 * Options of {@link verifyConsumerAuthorization}.
 *
 * @example
 * ```ts
 * const options: VerifyConsumerAuthorizationOptions = { requestBytes, deviceKey, algorithms: ['ES256', 'EdDSA'], backend: 'native' };
 * ```
 */
export interface VerifyConsumerAuthorizationOptions {
  /** The payment request bytes the authorization must cover (the detached payload). */
  readonly requestBytes: Uint8Array;
  /** The device's payment key (from its device credential, or the registry). */
  readonly deviceKey: ProtocolPublicKey;
  readonly algorithms: readonly SignatureAlgorithm[];
  readonly backend: SignatureBackend;
}

/**
 * Verifies a consumer authorization over the exact request bytes with the device's payment key:
 * layout, algorithm allowed and the key's, `kid` the key's id, signature. Returns its content and
 * the transaction id, or a failure: `SIZE_EXCEEDED`, `CBOR_INVALID`, `COSE_INVALID`,
 * `FIELD_MISSING`/`FIELD_UNKNOWN`/`FIELD_INVALID`, `ALGORITHM_NOT_ALLOWED`, `KEY_ID_MISMATCH`,
 * `SIGNATURE_INVALID`. It does not judge time, counters or caps: those are policy (device SDK,
 * verifier).
 *
 * @example
 * ```ts
 * import { verifyConsumerAuthorization } from '@settle/protocol';
 * const verified = verifyConsumerAuthorization(authorizationBytes, { requestBytes, deviceKey, algorithms: ['ES256'], backend: 'native' });
 * if (verified.ok) formatTransactionId(verified.value.transactionId);
 * ```
 */
export function verifyConsumerAuthorization(
  bytes: Uint8Array,
  options: VerifyConsumerAuthorizationOptions,
): ProtocolResult<VerifiedConsumerAuthorization> {
  return protocolResult(() => {
    checkSize(options.requestBytes, paymentRequestSizeMaxBytes, 'the payment request');
    const parsedSign1 = parseSign1(bytes, {
      detached: true,
      extraLabels,
      sizeMaxBytes: consumerAuthorizationSizeMaxBytes,
      structure,
    });
    const authorization = fromParsed(parsedSign1);
    verifySign1(parsedSign1, {
      key: options.deviceKey,
      algorithms: options.algorithms,
      backend: options.backend,
      externalAad,
      payload: options.requestBytes,
    });
    return {
      ...authorization,
      transactionId: calculateTransactionId(
        options.requestBytes,
        authorization.protectedHeaderBytes,
      ),
    };
  });
}
