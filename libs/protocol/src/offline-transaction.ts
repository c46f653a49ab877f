import {
  type SignatureAlgorithm,
  type SignatureBackend,
  encodeCborDeterministic,
  equalBytes,
  verifySignatureAsync,
} from '@settle/crypto';
import { type ConsumerAuthorization, decodeConsumerAuthorization } from './consumer-authorization';
import {
  type Sign1ToVerify,
  type VerifySign1Options,
  labelAad,
  sign1SignatureInput,
  sign1SignatureInvalid,
  verifySign1,
} from './cose';
import {
  ProtocolError,
  type ProtocolFailure,
  type ProtocolResult,
  protocolAssert,
  protocolFailureOf,
  protocolResult,
  unwrapProtocolResult,
} from './errors';
import { checkSize, decodeLabelledMap, readByteString } from './fields';
import { protocolLabels } from './labels';
import {
  consumerAuthorizationSizeMaxBytes,
  merchantApprovalSizeMaxBytes,
  offlineTransactionSizeMaxBytes,
  paymentRequestSizeMaxBytes,
} from './limits';
import { type MerchantApproval, decodeMerchantApproval } from './merchant-approval';
import { type PaymentRequest, decodePaymentRequest } from './payment-request';
import { type ProtocolPublicKey } from './protocol-keys';
import { calculateTransactionId } from './transaction-id';

/**
 * The dual-signed unit a POS stores and uploads: the payment request, the consumer authorization
 * and the merchant approval, each exactly as signed. Wire form: deterministic CBOR map
 * `{0: "settle/offline-transaction/v1", 1: h'request', 2: h'authorization', 3: h'approval'}`.
 * Decoded, but NOT verified: use {@link verifyOfflineTransaction}.
 *
 * @example
 * ```ts
 * const { request, authorization, transactionId } = unwrapProtocolResult(decodeOfflineTransaction(bytes));
 * ```
 */
export interface OfflineTransaction {
  readonly requestBytes: Uint8Array;
  readonly authorizationBytes: Uint8Array;
  readonly approvalBytes: Uint8Array;
  readonly request: PaymentRequest;
  readonly authorization: ConsumerAuthorization;
  readonly approval: MerchantApproval;
  /** Fixed by the signed content (`calculateTransactionId`): the key for idempotent uploads. */
  readonly transactionId: Uint8Array;
}

/**
 * An offline transaction whose two signatures verified with the given keys.
 *
 * @example
 * ```ts
 * const verified: VerifiedOfflineTransaction = unwrapProtocolResult(verifyOfflineTransaction(transaction, keys));
 * ```
 */
export interface VerifiedOfflineTransaction extends OfflineTransaction {
  readonly verified: true;
}

const fieldNames = ['request', 'authorization', 'approval'] as const;

/**
 * Encodes an offline transaction from its three signed parts (bytes as signed). Throws
 * `ProtocolError` if a part does not decode (the POS builds it from parts it has verified).
 *
 * @example
 * ```ts
 * import { encodeOfflineTransaction } from '@settle/protocol';
 * const uploadUnit = encodeOfflineTransaction({ requestBytes, authorizationBytes, approvalBytes });
 * ```
 */
export function encodeOfflineTransaction(
  parts: Pick<OfflineTransaction, 'requestBytes' | 'authorizationBytes' | 'approvalBytes'>,
): Uint8Array {
  unwrapProtocolResult(decodePaymentRequest(parts.requestBytes));
  unwrapProtocolResult(decodeConsumerAuthorization(parts.authorizationBytes));
  unwrapProtocolResult(decodeMerchantApproval(parts.approvalBytes));
  const bytes = encodeCborDeterministic(
    new Map<number, unknown>([
      [0, protocolLabels.offlineTransaction],
      [1, parts.requestBytes],
      [2, parts.authorizationBytes],
      [3, parts.approvalBytes],
    ]),
  );
  protocolAssert(
    bytes.length <= offlineTransactionSizeMaxBytes,
    `an offline transaction fits ${offlineTransactionSizeMaxBytes} bytes`,
  );
  return bytes;
}

function orThrow<TValue>(result: ProtocolResult<TValue>, field: string): TValue {
  if (result.ok) return result.value;
  const failure: ProtocolFailure = result;
  throw new ProtocolError(
    failure.code,
    `${field}/${failure.field}`.replace(/\/$/, ''),
    `${field}: ${failure.message}`,
    { cause: failure.cause },
  );
}

/**
 * Decodes an offline transaction and its three parts (strict CBOR and shape, each), and computes
 * its transaction id; verifies no signature. A failure names the part (`authorization/…`).
 *
 * @example
 * ```ts
 * import { decodeOfflineTransaction } from '@settle/protocol';
 * const decoded = decodeOfflineTransaction(uploadedBytes);
 * if (decoded.ok) lookUpKeys(decoded.value.authorization.keyId, decoded.value.approval.keyId);
 * ```
 */
export function decodeOfflineTransaction(bytes: Uint8Array): ProtocolResult<OfflineTransaction> {
  return protocolResult(() => {
    checkSize(bytes, offlineTransactionSizeMaxBytes, 'an offline transaction');
    const [request, authorization, approval] = decodeLabelledMap(
      bytes,
      protocolLabels.offlineTransaction,
      fieldNames,
    );
    const requestBytes = readByteString(request, 'request', paymentRequestSizeMaxBytes);
    const authorizationBytes = readByteString(
      authorization,
      'authorization',
      consumerAuthorizationSizeMaxBytes,
    );
    const approvalBytes = readByteString(approval, 'approval', merchantApprovalSizeMaxBytes);
    const decodedAuthorization = orThrow(
      decodeConsumerAuthorization(authorizationBytes),
      'authorization',
    );
    return {
      requestBytes,
      authorizationBytes,
      approvalBytes,
      request: orThrow(decodePaymentRequest(requestBytes), 'request'),
      authorization: decodedAuthorization,
      approval: orThrow(decodeMerchantApproval(approvalBytes), 'approval'),
      transactionId: calculateTransactionId(
        requestBytes,
        decodedAuthorization.protectedHeaderBytes,
      ),
    };
  });
}

/**
 * Keys and allow-lists for {@link verifyOfflineTransaction}.
 *
 * @example
 * ```ts
 * const options: VerifyOfflineTransactionOptions = {
 *   deviceKey, deviceAlgorithms: ['ES256', 'EdDSA'], terminalKey, terminalAlgorithms: ['ES256'], backend: 'native',
 * };
 * ```
 */
export interface VerifyOfflineTransactionOptions {
  readonly deviceKey: ProtocolPublicKey;
  readonly deviceAlgorithms: readonly SignatureAlgorithm[];
  readonly terminalKey: ProtocolPublicKey;
  readonly terminalAlgorithms: readonly SignatureAlgorithm[];
  readonly backend: SignatureBackend;
}

/**
 * Verifies both signatures of an offline transaction decoded by {@link decodeOfflineTransaction}
 * (which has already checked every part's structure): the consumer's over the request bytes,
 * the terminal's over the authorization bytes. Failures name the part (`authorization/signature`).
 * Risk rules (key state at approval time, expiry, counters, caps) are the verifier's, not here.
 *
 * @example
 * ```ts
 * import { decodeOfflineTransaction, verifyOfflineTransaction } from '@settle/protocol';
 * const verified = verifyOfflineTransaction(decoded, { deviceKey, deviceAlgorithms: ['ES256'], terminalKey, terminalAlgorithms: ['ES256'], backend: 'native' });
 * ```
 */
export function verifyOfflineTransaction(
  transaction: OfflineTransaction,
  options: VerifyOfflineTransactionOptions,
): ProtocolResult<VerifiedOfflineTransaction> {
  return protocolResult(() => {
    for (const part of partsToVerify(transaction, options))
      partCheck(part.field, () => verifySign1(part.sign1, part.options));
    return { ...transaction, verified: true as const };
  });
}

/**
 * {@link verifyOfflineTransaction} with the two signatures verified off the calling thread
 * (`verifySignatureAsync`: the libuv threadpool on the native back end), for a service verifying a
 * batch concurrently: the same checks in the same order, the same failure codes and fields.
 *
 * @example
 * ```ts
 * import { verifyOfflineTransactionAsync } from '@settle/protocol';
 * const results = await Promise.all(batch.map(({ decoded, keys }) => verifyOfflineTransactionAsync(decoded, keys)));
 * ```
 */
export async function verifyOfflineTransactionAsync(
  transaction: OfflineTransaction,
  options: VerifyOfflineTransactionOptions,
): Promise<ProtocolResult<VerifiedOfflineTransaction>> {
  try {
    // One part after the other, as the synchronous form: the first failing check names the result.
    for (const part of partsToVerify(transaction, options)) {
      const input = partCheck(part.field, () => sign1SignatureInput(part.sign1, part.options));
      if (!(await verifySignatureAsync(input)))
        throw withPartField(sign1SignatureInvalid(), part.field);
    }
    return { ok: true, value: { ...transaction, verified: true as const } };
  } catch (error) {
    return protocolFailureOf(error);
  }
}

/** One signed part to verify: its field name, its parsed COSE_Sign1 and how to verify it. */
interface PartToVerify {
  readonly field: 'authorization' | 'approval';
  readonly sign1: Sign1ToVerify;
  readonly options: VerifySign1Options;
}

/**
 * What both forms verify, in order: the consumer's signature over the request bytes, then the
 * terminal's over the authorization bytes. The parts were decoded (strictly) by
 * decodeOfflineTransaction; only the signatures remain. A transaction object put together by hand
 * must still hold the signatures it is checked with (checked here, before any signature).
 */
function partsToVerify(
  transaction: OfflineTransaction,
  options: VerifyOfflineTransactionOptions,
): readonly PartToVerify[] {
  checkConsistent(transaction.authorizationBytes, transaction.authorization, 'authorization');
  checkConsistent(transaction.approvalBytes, transaction.approval, 'approval');
  return [
    {
      field: 'authorization',
      sign1: transaction.authorization,
      options: {
        key: options.deviceKey,
        algorithms: options.deviceAlgorithms,
        backend: options.backend,
        externalAad: consumerAuthorizationAad,
        payload: transaction.requestBytes,
      },
    },
    {
      field: 'approval',
      sign1: transaction.approval,
      options: {
        key: options.terminalKey,
        algorithms: options.terminalAlgorithms,
        backend: options.backend,
        externalAad: merchantApprovalAad,
        payload: transaction.authorizationBytes,
      },
    },
  ];
}

const consumerAuthorizationAad = labelAad(protocolLabels.consumerAuthorization);
const merchantApprovalAad = labelAad(protocolLabels.merchantApproval);

/** The decoded part's protected header and signature are those of its bytes (COSE_Sign1_Tagged: d2 84 58 len …). */
function checkConsistent(
  bytes: Uint8Array,
  part: { readonly protectedHeaderBytes: Uint8Array; readonly signature: Uint8Array },
  field: string,
): void {
  const headerLength = part.protectedHeaderBytes.length;
  const consistent =
    equalBytes(bytes.subarray(bytes.length - part.signature.length), part.signature) &&
    equalBytes(bytes.subarray(4, 4 + headerLength), part.protectedHeaderBytes);
  if (!consistent)
    throw new ProtocolError(
      'STRUCTURE_INVALID',
      field,
      `${field}: the decoded part is not the one its bytes hold`,
    );
}

/** Runs a check of one signed part, naming the part in its failure (`authorization/signature`). */
function partCheck<TValue>(field: string, check: () => TValue): TValue {
  try {
    return check();
  } catch (error) {
    throw withPartField(error, field);
  }
}

function withPartField(error: unknown, field: string): unknown {
  if (!(error instanceof ProtocolError)) return error;
  return new ProtocolError(error.code, `${field}/${error.field}`, `${field}: ${error.message}`);
}
