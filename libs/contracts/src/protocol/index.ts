// The offline payment protocol's structures (DESIGN §4, docs/protocol.md): payment request, consumer
// authorization, merchant approval, offline transaction, processor confirmation, terminal and
// device credentials. One file per structure; each encodes to deterministic CBOR with a
// protocol/version label inside its signed content, decodes strictly with stable error codes, and
// has a named size limit. Pure: no I/O, no clock (times are passed in), no randomness (nonces are).

export {
  type ProtocolErrorCode,
  type ProtocolFailure,
  type ProtocolResult,
  ProtocolError,
  protocolErrorCodes,
  unwrapProtocolResult,
} from './errors';
export * from './limits';
export { type ProtocolLabel, protocolHeaderLabels, protocolLabels } from './labels';
export { type ProtocolPublicKey, findProtocolKey, protocolPublicKey } from './protocol-keys';
export { type PreparedSign1, type ProtocolSigner, softwareSigner } from './cose';
export { type VerifySignedOptions } from './signed-map';
export { calculateTransactionId, formatTransactionId } from './transaction-id';

export { type PaymentRequest, decodePaymentRequest, encodePaymentRequest } from './payment-request';
export {
  type ConsumerAuthorization,
  type ConsumerAuthorizationInput,
  type VerifiedConsumerAuthorization,
  type VerifyConsumerAuthorizationOptions,
  decodeConsumerAuthorization,
  prepareConsumerAuthorization,
  signConsumerAuthorization,
  verifyConsumerAuthorization,
} from './consumer-authorization';
export {
  type MerchantApproval,
  type MerchantApprovalInput,
  type VerifyMerchantApprovalOptions,
  decodeMerchantApproval,
  prepareMerchantApproval,
  signMerchantApproval,
  verifyMerchantApproval,
} from './merchant-approval';
export {
  type OfflineTransaction,
  type VerifiedOfflineTransaction,
  type VerifyOfflineTransactionOptions,
  decodeOfflineTransaction,
  encodeOfflineTransaction,
  verifyOfflineTransaction,
  verifyOfflineTransactionAsync,
} from './offline-transaction';
export {
  type ConfirmationOutcome,
  type ProcessorConfirmation,
  type SignedProcessorConfirmation,
  confirmationOutcomes,
  decodeProcessorConfirmation,
  prepareProcessorConfirmation,
  signProcessorConfirmation,
  verifyProcessorConfirmation,
} from './processor-confirmation';
export {
  type SignedTerminalCredential,
  type TerminalCredential,
  decodeTerminalCredential,
  prepareTerminalCredential,
  signTerminalCredential,
  verifyTerminalCredential,
} from './terminal-credential';
export {
  type DeviceCredential,
  type OfflineCap,
  type SignedDeviceCredential,
  decodeDeviceCredential,
  prepareDeviceCredential,
  signDeviceCredential,
  verifyDeviceCredential,
} from './device-credential';
