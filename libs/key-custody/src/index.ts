// @settle/key-custody: the port behind which the processor's signing keys sit (DESIGN §8) — token
// keys, the credential key, the receipt key — with the rotation schedule every user of it shares,
// and the file adapter used in development and in deployments without a KMS. See docs/security.md.

export {
  type CustodyKey,
  type CustodyPurpose,
  KEY_CUSTODY,
  type KeyCustody,
  custodyPurposes,
} from './key-custody';
export { type KeyCustodyErrorCode, KeyCustodyError, isKeyCustodyError } from './errors';
export { publishedKeys, selectSigningKey } from './schedule';
export {
  FileKeyCustody,
  type KeyCustodyDocument,
  type KeyCustodyEntry,
  createKeyCustodyDocument,
} from './file-key-custody';
export { type KeyCustodySettings, keyCustodyConfig } from './key-custody-config';
export { keyCustodyProvider } from './key-custody-provider';
