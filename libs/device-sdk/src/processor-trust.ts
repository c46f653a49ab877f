import { type ProtocolPublicKey } from '@settle/protocol';
import { type SignatureAlgorithm, type SignatureBackend } from '@settle/crypto';

/**
 * The processor's public keys a device trusts, shipped with the app and refreshed when online
 * (several per purpose during a rotation; a structure's `kid` picks one).
 *
 * @example
 * ```ts
 * const trust: ProcessorTrust = {
 *   credentialKeys: [protocolPublicKey(credentialJwk)],
 *   receiptKeys: [protocolPublicKey(receiptJwk)],
 *   algorithms: ['ES256'],
 *   backend: 'noble',
 * };
 * ```
 */
export interface ProcessorTrust {
  /** Keys that sign terminal and device credentials. */
  readonly credentialKeys: readonly ProtocolPublicKey[];
  /** Keys that sign processor confirmations (the verifier's receipt keys, its JWKS). */
  readonly receiptKeys: readonly ProtocolPublicKey[];
  /** The processor's algorithm allow-list. */
  readonly algorithms: readonly SignatureAlgorithm[];
  /** `'noble'` on phones and in browsers, `'native'` on Node terminals. */
  readonly backend: SignatureBackend;
}
