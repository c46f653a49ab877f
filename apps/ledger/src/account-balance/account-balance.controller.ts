import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { type SqlPool } from '@settle/messaging';
import { AdminOnly, JsonSchemaValidationPipe, SQL_POOL } from '@settle/platform';
import { notFound } from '../admin-http/problems';
import { identifier, timestamp } from '../admin-http/schemas';
import { normalBalance } from '../adapters/postgres/journal-store';
import { netPostedThrough } from '../balance-checkpoints/balance-checkpoints';
import { type AccountType } from '../domain/accounts';

/** An account's balance for an operator: one read, so no handler of its own. Audited. */
@ApiTags('admin')
@Controller('admin')
export class AccountBalanceController {
  constructor(@Inject(SQL_POOL) private readonly pool: SqlPool) {}

  @Get('accounts/:accountId/balance')
  @AdminOnly('ledger.admin.balance')
  @ApiOperation({
    summary:
      'An account’s balance on its normal side, now or as of a time (?asOf=RFC 3339: postings posted at or before it).',
  })
  async balance(
    @Param('accountId', new JsonSchemaValidationPipe(identifier)) accountId: string,
    @Query(
      new JsonSchemaValidationPipe<{ asOf?: string }>({
        type: 'object',
        additionalProperties: false,
        properties: { asOf: timestamp },
      }),
    )
    query: { asOf?: string },
  ): Promise<{
    accountId: string;
    type: AccountType;
    currency: string;
    balance: string;
    asOf: string | null;
  }> {
    const { rows: accounts } = await this.pool.query<{ type: AccountType; currency: string }>(
      'SELECT type, currency FROM ledger_accounts WHERE account_id = $1',
      [accountId],
    );
    const account = accounts[0];
    if (!account) throw notFound(`Account ${accountId}`, 'accountId');
    // As of a time: the latest balance checkpoint and the postings after it, not the whole history.
    const net = query.asOf
      ? (await netPostedThrough(this.pool, accountId, query.asOf)).net
      : BigInt(
          (
            await this.pool.query<{ net: string | null }>(
              'SELECT sum(debits - credits)::text AS net FROM ledger_balances WHERE account_id = $1',
              [accountId],
            )
          ).rows[0]?.net ?? '0',
        );
    return {
      accountId,
      type: account.type,
      currency: account.currency,
      balance: normalBalance(account.type, net).toString(),
      asOf: query.asOf ?? null,
    };
  }
}
