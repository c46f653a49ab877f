// Property-based test of the pure ledger: random sequences of payments (with duplicates, unknown
// accounts, currency mismatches, out-of-range amounts), fundings and whole-history replays, run through
// the deciders and the journal projection, compared with a small reference model written separately.
import fc from 'fast-check';
import { decideFundWallet, type PriorFunding } from '../fund-wallet/fund-wallet.decider';
import {
  decideSettlePayment,
  type PriorSettlement,
} from '../settle-payment/settle-payment.decider';
import {
  type Account,
  accountsForConsumerAccount,
  accountsForMerchant,
  ledgerAccountId,
} from './accounts';
import { netByCurrency, type PostedEntry } from './entry';
import { type FeeSchedule } from './fees';
import { genesisHead, verifyChain } from './hash-chain';
import {
  applyPostedEntry,
  balanceOf,
  emptyProjection,
  type JournalProjection,
  postDraft,
  trialBalance,
} from './journal';

const fastCheckRunsMax = 200;
const commandsPerRunMax = 60;

const wallets = { acc_0: 'EUR', acc_1: 'EUR', acc_2: 'EUR', acc_3: 'USD' } as const;
const merchants = { mer_0: 'EUR', mer_1: 'EUR', mer_2: 'USD' } as const;
const feeSchedules: Record<string, FeeSchedule> = {
  mer_0: { version: 'fee-schedule-1', basisPoints: 145, fixedMinorUnits: 0n },
  mer_1: { version: 'fee-schedule-2', basisPoints: 250, fixedMinorUnits: 30n },
  mer_2: { version: 'fee-schedule-3', basisPoints: 0, fixedMinorUnits: 0n },
};
const occurredAt = '2026-01-01T00:00:00.000Z';
const now = '2026-01-02T00:00:00.000Z'; // past any retry window: unknown entities fail at once

type Command =
  | {
      kind: 'payment';
      transactionId: string;
      wallet: string;
      merchant: string;
      amount: bigint;
      currency: string;
    }
  | { kind: 'funding'; clientKey: string; wallet: string; amount: bigint; currency: string }
  | { kind: 'replay' };

const amount = fc.oneof(
  { weight: 8, arbitrary: fc.bigInt(1n, 200_000n) },
  { weight: 1, arbitrary: fc.constantFrom(0n, 1_000_000_000_000_000n, 1_000_000_000_000_001n) },
);
const walletId = fc.constantFrom('acc_0', 'acc_1', 'acc_2', 'acc_3', 'acc_unknown');
const currency = fc.constantFrom('EUR', 'EUR', 'EUR', 'USD');
const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('payment' as const),
      transactionId: fc.integer({ min: 0, max: 15 }).map((n) => `txn_${n}`),
      wallet: walletId,
      merchant: fc.constantFrom('mer_0', 'mer_1', 'mer_2', 'mer_unknown'),
      amount,
      currency,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('funding' as const),
      clientKey: fc.integer({ min: 0, max: 8 }).map((n) => `key_${n}`),
      wallet: walletId,
      amount,
      currency,
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'replay' as const }) },
);

/** The system under test: the deciders over state read from the journal projection. */
class PureLedger {
  readonly projection: JournalProjection = emptyProjection();
  readonly entries: PostedEntry[] = [];
  readonly overdrawn = new Map<string, boolean>();
  private readonly accounts = new Map<string, Account>();
  private readonly settlements = new Map<string, PriorSettlement>();
  private readonly fundings = new Map<string, PriorFunding>();
  private nextEntry = 0;

  constructor() {
    for (const [id, walletCurrency] of Object.entries(wallets))
      for (const account of accountsForConsumerAccount(id, walletCurrency))
        this.accounts.set(account.accountId, account);
    for (const [id, merchantCurrency] of Object.entries(merchants))
      for (const account of accountsForMerchant(id, merchantCurrency))
        this.accounts.set(account.accountId, account);
  }

  run(command: Exclude<Command, { kind: 'replay' }>): void {
    const entryId = `entry_${this.nextEntry++}`;
    const wallet = this.accounts.get(ledgerAccountId('wallet', command.wallet)) ?? null;
    const walletBalance = wallet ? balanceOf(this.projection, wallet.accountId, wallet.type) : 0n;
    if (command.kind === 'payment') {
      const result = decideSettlePayment(
        {
          transactionId: command.transactionId,
          consumerAccountId: command.wallet,
          merchantId: command.merchant,
          amount: command.amount.toString(),
          currency: command.currency,
          approvedAt: occurredAt,
          eventOccurredAt: occurredAt,
          entryId,
          now,
        },
        {
          prior: this.settlements.get(command.transactionId) ?? { kind: 'none' },
          wallet,
          merchantPayable:
            this.accounts.get(ledgerAccountId('merchant-payable', command.merchant)) ?? null,
          feeRevenue: this.accounts.get(ledgerAccountId('fee-revenue', command.currency)) ?? null,
          feeSchedule: feeSchedules[command.merchant] ?? feeSchedules.mer_0!,
          walletBalance,
          unknownEntityRetryWindowMs: 10_000,
        },
      );
      if (result.outcome === 'not-yet-seen') throw new Error('past the retry window nothing waits');
      // A replay with other content posts nothing either (the consumer records it as a fraud signal).
      if (result.outcome === 'duplicate' || result.outcome === 'conflicting-replay') return;
      const prior = {
        consumerAccountId: command.wallet,
        merchantId: command.merchant,
        amount: command.amount,
        currency: command.currency,
        approvedAt: occurredAt,
      };
      this.settlements.set(command.transactionId, {
        kind: result.outcome === 'posted' ? 'settled' : 'failed',
        ...prior,
      });
      if (result.outcome === 'posted') this.post(result.entry, command.wallet, result.overdraft);
    } else {
      const result = decideFundWallet(
        // One bank transfer reference per client key here: no other key has credited this one (fund-wallet.decider.spec.ts tests that case).
        {
          clientKey: command.clientKey,
          consumerAccountId: command.wallet,
          amount: command.amount.toString(),
          currency: command.currency,
          externalReference: `ref_${command.clientKey}`,
          entryId,
          now,
        },
        {
          prior: this.fundings.get(command.clientKey) ?? { kind: 'none' },
          wallet,
          funding: this.accounts.get(ledgerAccountId('funding', command.currency)) ?? null,
          walletBalance,
          referenceCreditedBy: null,
          referenceHeldBy: null,
        },
      );
      if (result.outcome !== 'posted') return;
      this.fundings.set(command.clientKey, {
        kind: 'funded',
        consumerAccountId: command.wallet,
        amount: command.amount,
        currency: command.currency,
        externalReference: `ref_${command.clientKey}`,
        entryId,
      });
      this.post(result.entry, command.wallet, result.overdraft);
    }
  }

  balance(accountId: string): bigint {
    const account = this.accounts.get(accountId);
    return account ? balanceOf(this.projection, accountId, account.type) : 0n;
  }

  private post(
    draft: Parameters<typeof postDraft>[1],
    wallet: string,
    overdraft: 'overdrawn' | 'back-in-funds' | 'none',
  ): void {
    this.entries.push(postDraft(this.projection, draft));
    if (overdraft !== 'none') {
      expect(this.overdrawn.get(wallet) ?? false).toBe(overdraft === 'back-in-funds');
      this.overdrawn.set(wallet, overdraft === 'overdrawn');
    }
  }
}

/** The reference: plain maps, the fee formula written out again, no journal. */
class ReferenceModel {
  readonly balances = new Map<string, bigint>();
  private readonly seenTransactions = new Set<string>();
  private readonly usedKeys = new Set<string>();

  run(command: Exclude<Command, { kind: 'replay' }>): void {
    const inRange = command.amount >= 1n && command.amount <= 1_000_000_000_000_000n;
    const walletCurrency = (wallets as Record<string, string>)[command.wallet];
    if (command.kind === 'funding') {
      if (this.usedKeys.has(command.clientKey) || !inRange || walletCurrency !== command.currency)
        return;
      this.usedKeys.add(command.clientKey);
      this.add(`wallet_${command.wallet}`, command.amount);
      this.add(`funding_${command.currency}`, command.amount);
      return;
    }
    if (this.seenTransactions.has(command.transactionId)) return;
    this.seenTransactions.add(command.transactionId);
    const merchantCurrency = (merchants as Record<string, string>)[command.merchant];
    if (!inRange || walletCurrency !== command.currency || merchantCurrency !== command.currency)
      return;
    const schedule = feeSchedules[command.merchant]!;
    const share = command.amount * BigInt(schedule.basisPoints);
    const fee = [
      (share - (share % 10_000n)) / 10_000n + schedule.fixedMinorUnits,
      command.amount,
    ].reduce((a, b) => (a < b ? a : b));
    this.add(`wallet_${command.wallet}`, -command.amount);
    this.add(`payable_${command.merchant}`, command.amount - fee);
    this.add(`fee-revenue_${command.currency}`, fee);
  }

  private add(accountId: string, delta: bigint): void {
    this.balances.set(accountId, (this.balances.get(accountId) ?? 0n) + delta);
  }
}

describe('the pure ledger against a reference model', () => {
  it('agrees on every balance, stays balanced, keeps its chains, and replays change nothing', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: commandsPerRunMax }), (commands) => {
        const ledger = new PureLedger();
        const model = new ReferenceModel();
        const history: Exclude<Command, { kind: 'replay' }>[] = [];
        for (const next of commands) {
          if (next.kind === 'replay') {
            const entriesBefore = ledger.entries.length;
            for (const old of history) ledger.run(old);
            expect(ledger.entries.length).toBe(entriesBefore);
            continue;
          }
          history.push(next);
          ledger.run(next);
          model.run(next);
        }

        for (const [accountId, expected] of model.balances)
          expect([accountId, ledger.balance(accountId)]).toEqual([accountId, expected]);
        for (const entry of ledger.entries)
          for (const net of netByCurrency(entry.postings).values()) expect(net).toBe(0n);
        for (const net of trialBalance(ledger.projection).values()) expect(net).toBe(0n);
        for (const [walletId] of Object.entries(wallets))
          expect(ledger.overdrawn.get(walletId) ?? false).toBe(
            ledger.balance(`wallet_${walletId}`) < 0n,
          );

        // Rebuild: the entries alone give the same heads and sub-balances; each chain verifies.
        const rebuilt = emptyProjection();
        for (const entry of ledger.entries) applyPostedEntry(rebuilt, entry);
        expect(rebuilt.heads).toEqual(ledger.projection.heads);
        expect(rebuilt.balances).toEqual(ledger.projection.balances);
        for (const [partition, head] of ledger.projection.heads) {
          const chain = ledger.entries.filter((entry) => entry.partition === partition);
          expect(verifyChain(chain, genesisHead(partition))).toEqual({ ok: true, head });
        }
      }),
      { numRuns: fastCheckRunsMax },
    );
  });
});
