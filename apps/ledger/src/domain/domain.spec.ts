import { createHash } from 'node:crypto';
import {
  accountsForConsumerAccount,
  accountsForMerchant,
  ledgerAccountId,
  ledgerAccountIdLengthMax,
} from './accounts';
import { LedgerInvariantError } from './assert';
import { assertBalanced, draftEntry, type EntryDraft } from './entry';
import { feeFor, zeroFeeSchedule } from './fees';
import {
  appendToChain,
  canonicalEntryEncoding,
  genesisHash,
  genesisHead,
  ledgerPartitionCount,
  partitionOf,
  verifyChain,
} from './hash-chain';
import { overdraftTransition } from './overdraft';

const eur = (accountId: string, side: 'debit' | 'credit', amount: bigint) => ({
  accountId,
  side,
  amount,
  currency: 'EUR',
});

function draft(entryId: string, amount: bigint): EntryDraft {
  return draftEntry({
    entryId,
    kind: 'funding',
    idempotencyKey: entryId,
    partitionKey: 'acc_1',
    transactionId: null,
    originalEntryId: null,
    postings: [eur('funding_EUR', 'debit', amount), eur('wallet_acc_1', 'credit', amount)],
    feeScheduleVersion: null,
    postedAt: '2026-01-01T00:00:00.000Z',
  });
}

describe('accounts', () => {
  it('names ledger accounts after their owner, as in the contracts', () => {
    expect(
      accountsForConsumerAccount('acc_1', 'EUR').map((account) => [
        account.accountId,
        account.type,
      ]),
    ).toEqual([
      ['wallet_acc_1', 'liability'],
      ['funding_EUR', 'asset'],
    ]);
    expect(
      accountsForMerchant('mer_1', 'EUR').map((account) => [account.accountId, account.type]),
    ).toEqual([
      ['payable_mer_1', 'liability'],
      ['fee-revenue_EUR', 'revenue'],
      ['settlement_EUR', 'asset'],
    ]);
  });

  it('hashes owner ids that would make the account id longer than the id pattern allows', () => {
    const longId = 'a'.repeat(64);
    const id = ledgerAccountId('merchant-payable', longId);
    expect(id).toMatch(/^payable-h_[A-Za-z0-9_-]{43}$/);
    expect(id.length).toBeLessThanOrEqual(ledgerAccountIdLengthMax);
    expect(ledgerAccountId('merchant-payable', longId)).toBe(id);
  });
});

describe('entries', () => {
  it('accepts balanced postings and crashes on unbalanced ones (a programmer error)', () => {
    expect(() => assertBalanced([eur('a', 'debit', 5n), eur('b', 'credit', 5n)])).not.toThrow();
    expect(() => assertBalanced([eur('a', 'debit', 5n), eur('b', 'credit', 4n)])).toThrow(
      LedgerInvariantError,
    );
    expect(() =>
      assertBalanced([eur('a', 'debit', 5n), { ...eur('b', 'credit', 5n), currency: 'USD' }]),
    ).toThrow(/EUR/);
    expect(() => assertBalanced([eur('a', 'debit', 0n), eur('b', 'credit', 0n)])).toThrow(
      /positive/,
    );
    expect(() => assertBalanced([eur('a', 'debit', 5n)])).toThrow(/2\.\.32/);
  });
});

describe('fees', () => {
  it('takes basis points rounded down plus the fixed part, never more than the amount', () => {
    const schedule = { version: 'v1', basisPoints: 145, fixedMinorUnits: 0n };
    expect(feeFor(1250n, schedule)).toEqual({ fee: 18n, merchantAmount: 1232n }); // 18.125 → 18
    expect(feeFor(68n, schedule)).toEqual({ fee: 0n, merchantAmount: 68n });
    expect(feeFor(10n, { version: 'v2', basisPoints: 100, fixedMinorUnits: 25n })).toEqual({
      fee: 10n,
      merchantAmount: 0n,
    });
    expect(feeFor(999n, zeroFeeSchedule)).toEqual({ fee: 0n, merchantAmount: 999n });
  });

  it('crashes on a schedule outside its limits', () => {
    expect(() => feeFor(100n, { version: 'bad', basisPoints: 1_001, fixedMinorUnits: 0n })).toThrow(
      LedgerInvariantError,
    );
  });
});

describe('hash chain', () => {
  it('starts at the genesis hash, links every entry to the previous one, and detects tampering', () => {
    const first = appendToChain(genesisHead(7), draft('e1', 100n));
    const second = appendToChain(first.head, draft('e2', 50n));
    expect(first.entry.previousHash).toBe(genesisHash);
    expect(first.entry.sequence).toBe(1n);
    expect(second.entry.previousHash).toBe(first.entry.hash);
    expect(second.entry.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(verifyChain([first.entry, second.entry], genesisHead(7))).toEqual({
      ok: true,
      head: second.head,
    });

    const tampered = {
      ...first.entry,
      postings: [eur('funding_EUR', 'debit', 101n), eur('wallet_acc_1', 'credit', 101n)],
    };
    expect(verifyChain([tampered, second.entry], genesisHead(7))).toEqual({
      ok: false,
      break: { code: 'HASH_MISMATCH', sequence: 1n },
    });
    expect(verifyChain([second.entry], genesisHead(7))).toMatchObject({
      ok: false,
      break: { code: 'SEQUENCE_GAP' },
    });
  });

  it('hashes a documented canonical encoding (pinned, so a change is deliberate)', () => {
    const { entry } = appendToChain(genesisHead(0), draft('e1', 100n));
    expect(canonicalEntryEncoding(entry)).toBe(
      '["settle.ledger.entry.v1","e1",0,"acc_1","1","funding",null,null,[["funding_EUR","debit","100","EUR"],["wallet_acc_1","credit","100","EUR"]],null,"2026-01-01T00:00:00.000Z","0000000000000000000000000000000000000000000000000000000000000000"]',
    );
    expect(entry.hash).toBe(
      createHash('sha256').update(canonicalEntryEncoding(entry)).digest('hex'),
    );
  });

  it('spreads partition keys over all partitions, stably', () => {
    expect(partitionOf('acc_7Hq2mVx9KpR3sLw')).toBe(partitionOf('acc_7Hq2mVx9KpR3sLw'));
    const partitions = new Set(
      Array.from({ length: 5_000 }, (_, index) => partitionOf(`acc_${index}`)),
    );
    expect(partitions.size).toBeGreaterThan(ledgerPartitionCount * 0.95);
    expect(Math.max(...partitions)).toBeLessThan(ledgerPartitionCount);
  });
});

describe('overdraft', () => {
  it.each([
    [0n, -1n, 'overdrawn'],
    [5n, -5n, 'overdrawn'],
    [-5n, -1n, 'none'],
    [-5n, 0n, 'back-in-funds'],
    [-5n, 10n, 'back-in-funds'],
    [10n, 0n, 'none'],
  ] as const)('%p → %p is %s', (before, after, transition) => {
    expect(overdraftTransition(before, after)).toBe(transition);
  });
});
