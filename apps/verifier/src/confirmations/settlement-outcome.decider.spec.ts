import { randomBytes } from 'node:crypto';
import { formatTransactionId, prepareProcessorConfirmation } from '@settle/protocol';
import {
  decideSettlementOutcome,
  type HeldTransaction,
  type SettlementOutcome,
  settlementContradictionCodes,
  transactionIdBytes,
} from './settlement-outcome.decider';

const idBytes = new Uint8Array(randomBytes(32));
const transactionId = formatTransactionId(idBytes);
const confirmedAtMs = Date.parse('2026-11-28T10:00:00.000Z');

const verified: HeldTransaction = {
  status: 'verified',
  terminalId: 'ter_1',
  merchantId: 'mer_1',
  consumerAccountId: 'acc_1',
  amount: 1250n,
  currency: 'EUR',
  reasonCode: null,
  entryId: null,
};
const settled: SettlementOutcome = {
  kind: 'settled',
  transactionId,
  consumerAccountId: 'acc_1',
  merchantId: 'mer_1',
  amount: 1250n,
  currency: 'EUR',
  entryId: 'ent_1',
  settledAt: '2026-11-28T09:59:59.000Z',
};
const failed: SettlementOutcome = {
  kind: 'settlement-failed',
  transactionId,
  consumerAccountId: 'acc_1',
  merchantId: 'mer_1',
  reasonCode: 'UNKNOWN_ACCOUNT',
};

describe('decideSettlementOutcome', () => {
  it('settles a verified transaction: accepted, the terminal, amount and currency from the transaction, the time passed in', () => {
    const decision = decideSettlementOutcome(
      settled,
      { ...verified, terminalId: 'ter_from_row' },
      confirmedAtMs,
    );
    expect(decision).toEqual({
      outcome: 'confirm',
      status: 'settled',
      reasonCode: null,
      settledAt: settled.settledAt,
      entryId: 'ent_1',
      confirmation: {
        transactionId: idBytes,
        terminalId: 'ter_from_row',
        amount: 1250n,
        currency: 'EUR',
        outcome: 'accepted',
        reasonCode: null,
        confirmedAtMs,
      },
    });
    // What it decided is a confirmation the protocol accepts.
    if (decision.outcome !== 'confirm') throw new Error('confirm');
    expect(() =>
      prepareProcessorConfirmation(decision.confirmation, {
        alg: 'ES256',
        keyId: new Uint8Array(32),
      }),
    ).not.toThrow();
  });

  it('fails a verified transaction: rejected with the ledger’s reason, no settlement facts', () => {
    expect(decideSettlementOutcome(failed, verified, confirmedAtMs)).toMatchObject({
      outcome: 'confirm',
      status: 'settlement-failed',
      reasonCode: 'UNKNOWN_ACCOUNT',
      settledAt: null,
      entryId: null,
      confirmation: { outcome: 'rejected', reasonCode: 'UNKNOWN_ACCOUNT', amount: 1250n },
    });
  });

  it('does nothing for the same outcome again (a redelivery or a replay from offset 0)', () => {
    expect(
      decideSettlementOutcome(
        settled,
        { ...verified, status: 'settled', entryId: 'ent_1' },
        confirmedAtMs,
      ),
    ).toEqual({ outcome: 'already-final' });
    expect(
      decideSettlementOutcome(
        failed,
        { ...verified, status: 'settlement-failed', reasonCode: 'UNKNOWN_ACCOUNT' },
        confirmedAtMs,
      ),
    ).toEqual({ outcome: 'already-final' });
  });

  it.each([
    [
      'settled, then failed',
      failed,
      { ...verified, status: 'settled' as const, entryId: 'ent_1' },
      'OUTCOME_CONFLICTS_WITH_FINAL_OUTCOME',
    ],
    [
      'failed, then settled',
      settled,
      { ...verified, status: 'settlement-failed' as const, reasonCode: 'UNKNOWN_ACCOUNT' },
      'OUTCOME_CONFLICTS_WITH_FINAL_OUTCOME',
    ],
    [
      'settled by another entry',
      { ...settled, entryId: 'ent_2' },
      { ...verified, status: 'settled' as const, entryId: 'ent_1' },
      'OUTCOME_CONFLICTS_WITH_FINAL_OUTCOME',
    ],
    [
      'failed for another reason',
      { ...failed, reasonCode: 'CURRENCY_MISMATCH' },
      { ...verified, status: 'settlement-failed' as const, reasonCode: 'UNKNOWN_ACCOUNT' },
      'OUTCOME_CONFLICTS_WITH_FINAL_OUTCOME',
    ],
    [
      'an outcome of a rejected transaction',
      settled,
      { ...verified, status: 'rejected' as const, reasonCode: 'COUNTER_REUSED' },
      'OUTCOME_FOR_REJECTED_TRANSACTION',
    ],
    [
      'another amount',
      { ...settled, amount: 1251n },
      verified,
      'OUTCOME_DOES_NOT_MATCH_TRANSACTION',
    ],
    [
      'another currency',
      { ...settled, currency: 'CHF' },
      verified,
      'OUTCOME_DOES_NOT_MATCH_TRANSACTION',
    ],
    [
      'another merchant',
      { ...failed, merchantId: 'mer_2' },
      verified,
      'OUTCOME_DOES_NOT_MATCH_TRANSACTION',
    ],
    [
      'another consumer account',
      { ...settled, consumerAccountId: 'acc_2' },
      verified,
      'OUTCOME_DOES_NOT_MATCH_TRANSACTION',
    ],
  ] as const)('calls %s a contradiction', (_name, event, held, code) => {
    const decision = decideSettlementOutcome(event, held, confirmedAtMs);
    expect(decision).toMatchObject({ outcome: 'contradiction', code });
    expect(settlementContradictionCodes).toContain(code);
  });

  it('waits for a transaction not verified yet, and skips one it does not hold', () => {
    expect(
      decideSettlementOutcome(
        settled,
        { ...verified, status: 'received', consumerAccountId: null },
        confirmedAtMs,
      ),
    ).toEqual({ outcome: 'not-yet-verified' });
    expect(decideSettlementOutcome(settled, null, confirmedAtMs)).toEqual({
      outcome: 'unknown-transaction',
    });
  });

  it('refuses a time that is not one (a programmer error)', () => {
    expect(() => decideSettlementOutcome(settled, verified, Number.NaN)).toThrow('confirmedAtMs');
    expect(() => decideSettlementOutcome(settled, verified, 0)).toThrow('confirmedAtMs');
  });
});

describe('transactionIdBytes', () => {
  it('is formatTransactionId’s inverse', () => {
    expect(transactionIdBytes(transactionId)).toEqual(idBytes);
  });

  const zeros = formatTransactionId(new Uint8Array(32)); // txn_ + 43 × 'A'
  it.each([
    ['no prefix', zeros.slice(4)],
    ['too short', zeros.slice(0, -1)],
    ['padding', `${zeros.slice(0, -1)}=`],
    // The 43rd character carries 4 bits of the 32 bytes and 2 unused ones, which must be zero.
    ['a non-canonical last character', `${zeros.slice(0, -1)}B`],
  ])('throws on %s', (_name, text) => {
    expect(() => transactionIdBytes(text)).toThrow('not a transaction id');
  });
});
