// @settle/device-session: the device SDK's online half (DESIGN §7). Opens TLS 1.3 connections whose
// keying material (EKM) it exports itself, binds each connection with an RFC 8471 TokenBindingMessage
// (or signs RFC 9449 DPoP proofs), starts and refreshes sessions with the token issuer, and sends
// requests over exactly the socket the binding was made for. See docs/token-issuer.md. Its payment
// client uploads the POS's transactions and fetches confirmations and receipt keys (docs/verifier.md).

export {
  type BinaryBody,
  BoundConnection,
  type HttpAnswer,
  type OutgoingRequest,
  type TlsEndpoint,
  connectTls13,
  requestTimeoutMs,
  responseSizeMaxBytes,
  tlsHandshakeTimeoutMs,
} from './bound-connection';
export { type CreateDpopProofInput, createDpopProof } from './dpop-proof';
export {
  DeviceSession,
  type DeviceSessionOptions,
  type SessionToken,
  dpopNonceRetriesMax,
  refreshMarginMs,
} from './device-session';
export { type DeviceSessionErrorCode, DeviceSessionError, isDeviceSessionError } from './errors';
export {
  type ConfirmationSink,
  type ConfirmationsFetched,
  type FetchedConfirmation,
  type TransactionStatus,
  type UploadReceipt,
  type UploadResult,
  type UploadedItem,
  type VerifierClientOptions,
  confirmationPagesPerFetchMax,
  confirmationsPageSizeDefault,
  fetchConfirmations,
  fetchCredentialKeys,
  fetchReceiptKeys,
  fetchTransactionStatus,
  uploadBatchBodyBytesMax,
  uploadBatchTransactionsMax,
  uploadPendingTransactions,
  uploadTransactions,
} from './verifier-client';
