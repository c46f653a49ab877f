/**
 * The protocol/version label of each structure. It is inside the signed content of every signed
 * structure (field 0 of a signed map, or the COSE external AAD of a detached signature), so a
 * signature made for one structure or version can never be taken for another.
 *
 * @example
 * ```ts
 * import { protocolLabels } from '@settle/protocol';
 * protocolLabels.paymentRequest; // 'settle/payment-request/v1'
 * ```
 */
export const protocolLabels = {
  paymentRequest: 'settle/payment-request/v1',
  consumerAuthorization: 'settle/consumer-authorization/v1',
  merchantApproval: 'settle/merchant-approval/v1',
  offlineTransaction: 'settle/offline-transaction/v1',
  processorConfirmation: 'settle/processor-confirmation/v1',
  terminalCredential: 'settle/terminal-credential/v1',
  deviceCredential: 'settle/device-credential/v1',
  transactionId: 'settle/transaction-id/v1',
} as const;

/**
 * One of {@link protocolLabels}.
 *
 * @example
 * ```ts
 * const label: ProtocolLabel = protocolLabels.deviceCredential;
 * ```
 */
export type ProtocolLabel = (typeof protocolLabels)[keyof typeof protocolLabels];

/**
 * COSE header labels of this protocol, from the private-use range (RFC 9052 §3.1: integers below
 * −65536), so they can never collide with a registered header parameter.
 *
 * @example
 * ```ts
 * protectedHeader.get(protocolHeaderLabels.deviceCounter); // 4187n or 4187
 * ```
 */
export const protocolHeaderLabels = {
  /** The consumer device's monotonic counter (unsigned 64-bit). */
  deviceCounter: -65537,
  /** When the signer signed, in milliseconds since the Unix epoch. */
  signedAtMs: -65538,
} as const;
