// @settle/protocol — the offline payment protocol (DESIGN §4, docs/protocol.md): payment request,
// consumer authorization, merchant approval, offline transaction, processor confirmation, terminal
// and device credentials, and their sound forms (`@settle/protocol/sound-form`). One file per
// structure; each encodes to deterministic CBOR with a protocol/version label inside its signed
// content, decodes strictly with stable error codes, and has a named size limit. The one COSE_Sign1
// path (cose.ts: exact-layout parse, sign in two steps, verify) lives here; CBOR decoding is
// libs/crypto's `decodeCborDeterministic`. Signed-structure code, not event contracts: it imports
// nothing from @settle/contracts (the events import its limits). Pure: no I/O, no clock (times are
// passed in), no randomness (nonces are). Test helpers and golden fixtures: `@settle/protocol/testing`.

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
export { displayNamePattern } from './fields';
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
