// @settle/device-sdk: the two device roles of the offline protocol (DESIGN §1, §4; docs/protocol.md):
// the consumer's phone (PCD: keys, device credential, durable counter, advisory caps, approving) and
// the merchant's terminal (POS: requests, offline verification, countersigning, durable upload queue,
// confirmations). Pure protocol logic over two ports: durable storage and a keystore.

export {
  type DeviceErrorCode,
  type DeviceFailure,
  type DeviceResult,
  deviceErrorCodes,
} from './errors';
export { type DurableStore, StorageError, storeKeyPattern } from './storage/durable-store';
export { MemoryStore } from './storage/memory-store';
export { FileStore } from './storage/file-store';
export {
  type DeviceKeystore,
  type KeyPurpose,
  type KeystoreErrorCode,
  type KeystoreKey,
  type UserAuthenticationPrompt,
  KeystoreError,
  keystoreErrorCodes,
} from './keystore/keystore';
export { type SoftwareKeystoreOptions, SoftwareKeystore } from './keystore/software-keystore';
export { type ProcessorTrust } from './processor-trust';
export { DeviceCounter } from './pcd/device-counter';
export { type CapCheck, type OfflineSpend } from './pcd/offline-spend';
export {
  type ApprovedPayment,
  type PaymentPresentation,
  type PcdWalletOptions,
  PcdWallet,
  terminalCredentialCacheEntriesMax,
} from './pcd/pcd-wallet';
export { type WalletPayment } from './pcd/wallet-payments';
export { type QueuedTransaction, UploadQueue, uploadQueueEntriesMax } from './pos/upload-queue';
export {
  type AcceptedPayment,
  type CreatedRequest,
  type PosTerminalOptions,
  type TerminalSigningKey,
  PosTerminal,
  deviceCredentialCacheEntriesMax,
} from './pos/pos-terminal';
export {
  type CachedCredential,
  type CredentialCacheOptions,
  type DescribedCredential,
  CredentialCache,
} from './sound/credential-cache';
