import { validateEventForSend } from '@settle/contracts';
import {
  fraudSignalEvent,
  paymentRejectedEvent,
  paymentVerifiedEvent,
  verificationSignalId,
} from './verification-events';

const parties = {
  transactionId: 'txn_1',
  consumerDeviceId: 'dev_1',
  terminalId: 'ter_1',
  merchantId: 'mer_1',
};
const cause = {
  correlationId: '0b7e4a52-5c0c-4f59-9d1e-6f3c2b1a0e9d',
  causationId: '5d1f0c8e-2a3b-4c5d-8e9f-0a1b2c3d4e5f',
  occurredAt: '2026-03-01T12:00:00.000Z',
};

describe('verification events', () => {
  it('payment.verified: keyed by the consumer account, amounts and counter as decimal strings, valid against its contract', () => {
    const verified = {
      consumerAccountId: 'acc_1',
      merchantCategoryCode: '5411',
      amount: 1250n,
      currency: 'EUR',
      deviceCounter: 18446744073709551615n,
      approvedAtMs: Date.parse('2026-03-01T11:59:00.000Z'),
    };
    const envelope = paymentVerifiedEvent(parties, verified, cause);
    expect(validateEventForSend(envelope)).toMatchObject({ ok: true });
    expect(envelope).toMatchObject({
      key: 'acc_1',
      correlationId: cause.correlationId,
      causationId: cause.causationId,
      occurredAt: '2026-03-01T12:00:00.000Z',
    });
    expect(envelope.payload).toEqual({
      ...parties,
      consumerAccountId: 'acc_1',
      amount: '1250',
      currency: 'EUR',
      approvedAt: '2026-03-01T11:59:00.000Z',
      deviceCounter: '18446744073709551615',
      feeInputs: { merchantCategoryCode: '5411', channel: 'offline-sound' },
      verifiedAt: '2026-03-01T12:00:00.000Z',
    });
  });

  it('payment.rejected and fraud.signal-raised are valid against their contracts', () => {
    expect(
      validateEventForSend(paymentRejectedEvent(parties, 'COUNTER_REUSED', cause)),
    ).toMatchObject({ ok: true });
    const signal = fraudSignalEvent(
      'txn_1',
      {
        kind: 'COUNTER_REUSED',
        subject: { kind: 'device', id: 'dev_1' },
        details: { deviceCounter: '7' },
      },
      cause,
    );
    expect(validateEventForSend(signal)).toMatchObject({ ok: true });
    expect(signal).toMatchObject({
      key: 'dev_1',
      payload: {
        signalId: verificationSignalId('txn_1', 'COUNTER_REUSED'),
        transactionId: 'txn_1',
      },
    });
  });

  it('derives the signal id from the transaction and the kind only', () => {
    expect(verificationSignalId('txn_1', 'COUNTER_REUSED')).toBe(
      verificationSignalId('txn_1', 'COUNTER_REUSED'),
    );
    expect(verificationSignalId('txn_1', 'COUNTER_REUSED')).not.toBe(
      verificationSignalId('txn_2', 'COUNTER_REUSED'),
    );
    expect(verificationSignalId('txn_1', 'COUNTER_REUSED')).not.toBe(
      verificationSignalId('txn_1', 'SIGNATURE_INVALID'),
    );
    expect(verificationSignalId('txn_1', 'COUNTER_REUSED')).toMatch(/^sig_[A-Za-z0-9_-]{43}$/);
  });
});
