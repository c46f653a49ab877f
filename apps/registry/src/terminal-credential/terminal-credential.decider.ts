import { type AttestationLevel, type KeyState } from '@settle/contracts';
import { protocolTimeMsMax } from '@settle/protocol';
import { assert } from '../domain/assert';
import { attestationAllowsOffline } from '../domain/offline-attestation';

/** Why a terminal gets no credential. Closed, append-only. */
export type TerminalCredentialRefusal =
  | 'TERMINAL_UNKNOWN'
  | 'NOT_THIS_DEVICE'
  | 'TERMINAL_KEY_NOT_ACTIVE'
  | 'ATTESTATION_LEVEL_NOT_OFFLINE';

export interface TerminalCredentialCommand {
  readonly terminalId: string;
  /** The merchant the caller's bound token names as its owner. */
  readonly callerOwner: string;
  readonly nowMs: number;
  readonly validityMs: number;
  /** The attestation levels whose payment keys may approve offline (SETTLE_REGISTRY_OFFLINE_ATTESTATION_LEVELS). */
  readonly offlineAttestationLevels: readonly AttestationLevel[];
}

export interface TerminalCredentialState {
  readonly terminal: { readonly merchantId: string } | null;
  /** The terminal's current payment key (the one that signs merchant approvals). */
  readonly paymentKey: {
    readonly keyId: string;
    readonly state: KeyState;
    readonly attestationLevel: AttestationLevel | null;
  } | null;
}

export type TerminalCredentialDecision =
  | {
      readonly outcome: 'issue';
      readonly paymentKeyId: string;
      readonly validFromMs: number;
      readonly validUntilMs: number;
    }
  | { readonly outcome: 'refused'; readonly code: TerminalCredentialRefusal };

/**
 * A terminal obtains a credential for its payment key once that key is active (attested at a level
 * trusted offline: a cloneable software key approves nothing offline), valid from
 * now for the configured validity; only for itself (its merchant must be the caller's owner).
 */
export function decideTerminalCredential(
  command: TerminalCredentialCommand,
  state: TerminalCredentialState,
): TerminalCredentialDecision {
  assert(command.validityMs > 0, 'a credential is valid for some time');
  if (state.terminal === null) return { outcome: 'refused', code: 'TERMINAL_UNKNOWN' };
  if (state.terminal.merchantId !== command.callerOwner)
    return { outcome: 'refused', code: 'NOT_THIS_DEVICE' };
  if (state.paymentKey === null || state.paymentKey.state !== 'active')
    return { outcome: 'refused', code: 'TERMINAL_KEY_NOT_ACTIVE' };
  if (
    !attestationAllowsOffline(state.paymentKey.attestationLevel, command.offlineAttestationLevels)
  )
    return { outcome: 'refused', code: 'ATTESTATION_LEVEL_NOT_OFFLINE' };
  const validUntilMs = command.nowMs + command.validityMs;
  assert(validUntilMs <= protocolTimeMsMax, 'validity ends within the protocol’s time range');
  return {
    outcome: 'issue',
    paymentKeyId: state.paymentKey.keyId,
    validFromMs: command.nowMs,
    validUntilMs,
  };
}
