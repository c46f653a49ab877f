import { enrolledOfflineState, type OfflineState } from '../domain/offline-capability';
import { type CheckInCommand, type CheckInState, decideCheckIn } from './check-in.decider';

const nowMs = Date.parse('2026-11-28T08:15:02.431Z');
const dayMs = 24 * 3_600_000;
const command: CheckInCommand = {
  deviceId: 'dev_2Nc6RtH8yJq4Ze',
  callerOwner: 'acc_7Hq2',
  nowMs,
  validityMs: dayMs,
  offlineAttestationLevels: ['strongbox', 'tee', 'secure-enclave'],
};
const offline: OfflineState = {
  ...enrolledOfflineState('2026-11-01T00:00:00.000Z'),
  limits: [
    { currency: 'CHF', perTransactionMax: '0', cumulativeMax: '0' },
    { currency: 'EUR', perTransactionMax: '5000', cumulativeMax: '15000' },
    { currency: 'USD', perTransactionMax: '1000', cumulativeMax: '1000' },
  ],
};
const state: CheckInState = {
  device: { accountId: 'acc_7Hq2', offline },
  paymentKey: { keyId: 'k'.repeat(43), state: 'active', attestationLevel: 'tee' },
  lastCheckInAtMs: null,
};

describe('decideCheckIn', () => {
  it('issues caps for the usable limits (a zero cap is left out), from now for the validity', () => {
    expect(decideCheckIn(command, state)).toEqual({
      outcome: 'check-in',
      checkedInAtMs: nowMs,
      validUntilMs: nowMs + dayMs,
      paymentKeyId: 'k'.repeat(43),
      offlineCaps: [
        { currency: 'EUR', perTransactionMax: '5000', cumulativeMax: '15000' },
        { currency: 'USD', perTransactionMax: '1000', cumulativeMax: '1000' },
      ],
    });
  });

  it('dates a check-in after the last one when this replica’s clock is behind', () => {
    expect(decideCheckIn(command, { ...state, lastCheckInAtMs: nowMs + 5 })).toMatchObject({
      checkedInAtMs: nowMs + 6,
      validUntilMs: nowMs + 6 + dayMs,
    });
    expect(decideCheckIn(command, { ...state, lastCheckInAtMs: nowMs })).toMatchObject({
      checkedInAtMs: nowMs + 1,
    });
  });

  it.each([
    ['an unknown device', { ...state, device: null }, 'DEVICE_UNKNOWN'],
    [
      'a device of another account than the caller’s',
      { ...state, device: { ...state.device!, accountId: 'acc_other' } },
      'NOT_THIS_DEVICE',
    ],
    ['no payment key', { ...state, paymentKey: null }, 'PAYMENT_KEY_NOT_ACTIVE'],
    [
      'a pending payment key',
      {
        ...state,
        paymentKey: { keyId: 'k'.repeat(43), state: 'pending' as const, attestationLevel: null },
      },
      'PAYMENT_KEY_NOT_ACTIVE',
    ],
    [
      'a suspended payment key',
      {
        ...state,
        paymentKey: {
          keyId: 'k'.repeat(43),
          state: 'suspended' as const,
          attestationLevel: 'tee' as const,
        },
      },
      'PAYMENT_KEY_NOT_ACTIVE',
    ],
    [
      'a software payment key where only hardware levels pay offline',
      { ...state, paymentKey: { ...state.paymentKey!, attestationLevel: 'software' as const } },
      'ATTESTATION_LEVEL_NOT_OFFLINE',
    ],
    [
      'an active payment key with no level recorded',
      { ...state, paymentKey: { ...state.paymentKey!, attestationLevel: null } },
      'ATTESTATION_LEVEL_NOT_OFFLINE',
    ],
    [
      'offline capability suspended by an operator',
      {
        ...state,
        device: { accountId: 'acc_7Hq2', offline: { ...offline, suspendedByOperator: true } },
      },
      'OFFLINE_CAPABILITY_SUSPENDED',
    ],
    [
      'an overdrawn account',
      {
        ...state,
        device: { accountId: 'acc_7Hq2', offline: { ...offline, suspendedForOverdraft: true } },
      },
      'OFFLINE_CAPABILITY_SUSPENDED',
    ],
    [
      'no limits',
      { ...state, device: { accountId: 'acc_7Hq2', offline: { ...offline, limits: [] } } },
      'NO_OFFLINE_LIMITS',
    ],
    [
      'only zero limits',
      {
        ...state,
        device: { accountId: 'acc_7Hq2', offline: { ...offline, limits: [offline.limits[0]!] } },
      },
      'NO_OFFLINE_LIMITS',
    ],
  ])('refuses %s', (_name, refusedState, code) => {
    expect(decideCheckIn(command, refusedState)).toEqual({ outcome: 'refused', code });
  });

  it('gives a software key an offline allowance only where the deployment lists software', () => {
    const software = {
      ...state,
      paymentKey: { ...state.paymentKey!, attestationLevel: 'software' as const },
    };
    expect(
      decideCheckIn({ ...command, offlineAttestationLevels: ['tee', 'software'] }, software),
    ).toMatchObject({ outcome: 'check-in' });
    expect(
      decideCheckIn({ ...command, offlineAttestationLevels: ['secure-enclave'] }, state),
    ).toEqual({ outcome: 'refused', code: 'ATTESTATION_LEVEL_NOT_OFFLINE' });
  });
});
