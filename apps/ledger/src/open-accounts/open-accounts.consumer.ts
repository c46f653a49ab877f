import { Injectable } from '@nestjs/common';
import { type MerchantOnboardedV1 } from '@settle/contracts';
import {
  type EventConsumer,
  type EventsOf,
  type SqlExecutor,
  unexpectedEvent,
} from '@settle/messaging';
import { openAccounts } from '../adapters/postgres/journal-store';
import { type Account, accountsForConsumerAccount, accountsForMerchant } from '../domain/accounts';

/**
 * Opens ledger accounts from the registry's entity events — the only way accounts come to exist
 * (a payment never opens one). `account.opened` opens the wallet and its currency's funding account;
 * `merchant.onboarded` opens the payable and its currency's fee revenue and settlement accounts, and
 * keeps the merchant's settings (time zone for statements). Both are full-state events on compacted
 * topics, so applying one twice changes nothing.
 */
@Injectable()
export class OpenAccountsConsumer implements EventConsumer {
  readonly name = 'open-accounts';
  readonly topics = ['registry.accounts.v1', 'registry.merchants.v1'] as const;

  readonly handle = async (
    sql: SqlExecutor,
    events: EventsOf<OpenAccountsConsumer['topics']>,
  ): Promise<void> => {
    const accounts: Account[] = [];
    const merchants: MerchantOnboardedV1[] = [];
    for (const { envelope } of events) {
      switch (envelope.type) {
        case 'account.opened': {
          const { payload } = envelope;
          accounts.push(...accountsForConsumerAccount(payload.accountId, payload.currency));
          break;
        }
        case 'merchant.onboarded': {
          const { payload } = envelope;
          accounts.push(...accountsForMerchant(payload.merchantId, payload.settlementCurrency));
          merchants.push(payload);
          break;
        }
        default:
          throw unexpectedEvent(envelope, 'the ledger does not open accounts on this event');
      }
    }
    const openedAt = events[events.length - 1]?.envelope.occurredAt ?? new Date(0).toISOString();
    await openAccounts(sql, dedupe(accounts), openedAt);
    await saveMerchantSettings(sql, merchants);
  };
}

function dedupe(accounts: readonly Account[]): Account[] {
  return [...new Map(accounts.map((account) => [account.accountId, account])).values()];
}

/** The latest state wins (compacted topic); rows are written in merchant id order. */
async function saveMerchantSettings(
  sql: SqlExecutor,
  merchants: readonly MerchantOnboardedV1[],
): Promise<void> {
  if (merchants.length === 0) return;
  const latest = [
    ...new Map(merchants.map((merchant) => [merchant.merchantId, merchant])).values(),
  ].sort((a, b) => (a.merchantId < b.merchantId ? -1 : 1));
  await sql.query(
    `INSERT INTO ledger_merchant_settings (merchant_id, display_name, settlement_currency, time_zone, updated_at)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])
     ON CONFLICT (merchant_id) DO UPDATE SET display_name = excluded.display_name, time_zone = excluded.time_zone, updated_at = excluded.updated_at`,
    [
      latest.map((merchant) => merchant.merchantId),
      latest.map((merchant) => merchant.displayName),
      latest.map((merchant) => merchant.settlementCurrency),
      latest.map((merchant) => merchant.timeZone),
      latest.map((merchant) => merchant.onboardedAt),
    ],
  );
}
