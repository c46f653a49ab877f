import {
  decideTerminalCredential,
  type TerminalCredentialState,
} from './terminal-credential.decider';

const nowMs = Date.parse('2026-11-28T08:15:02.431Z');
const command = {
  terminalId: 'trm_9Kx3PqL7vWm2Ra',
  callerOwner: 'mer_4Fd8',
  nowMs,
  validityMs: 30 * 24 * 3_600_000,
  offlineAttestationLevels: ['strongbox', 'tee'] as const,
};
const state: TerminalCredentialState = {
  terminal: { merchantId: 'mer_4Fd8' },
  paymentKey: { keyId: 't'.repeat(43), state: 'active', attestationLevel: 'strongbox' },
};

describe('decideTerminalCredential', () => {
  it('issues a credential for the active payment key, valid from now', () => {
    expect(decideTerminalCredential(command, state)).toEqual({
      outcome: 'issue',
      paymentKeyId: 't'.repeat(43),
      validFromMs: nowMs,
      validUntilMs: nowMs + command.validityMs,
    });
  });

  it.each([
    ['an unknown terminal', { ...state, terminal: null }, 'TERMINAL_UNKNOWN'],
    [
      'a terminal of another merchant than the caller’s',
      { ...state, terminal: { merchantId: 'mer_other' } },
      'NOT_THIS_DEVICE',
    ],
    ['no key yet', { ...state, paymentKey: null }, 'TERMINAL_KEY_NOT_ACTIVE'],
    [
      'a key awaiting attestation',
      {
        ...state,
        paymentKey: { keyId: 't'.repeat(43), state: 'pending' as const, attestationLevel: null },
      },
      'TERMINAL_KEY_NOT_ACTIVE',
    ],
    [
      'a software key where only hardware keys approve offline',
      { ...state, paymentKey: { ...state.paymentKey!, attestationLevel: 'software' as const } },
      'ATTESTATION_LEVEL_NOT_OFFLINE',
    ],
  ])('refuses %s', (_name, refusedState, code) => {
    expect(decideTerminalCredential(command, refusedState)).toEqual({ outcome: 'refused', code });
  });
});
