import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { type SqlPool } from '@settle/messaging';
import { AdminOnly, JsonSchemaValidationPipe, SQL_POOL } from '@settle/platform';
import { notFound } from '../admin-http/problems';
import { identifier } from '../admin-http/schemas';

interface EntryRow extends Record<string, unknown> {
  entry_id: string;
  partition: number;
  sequence: string;
  partition_key: string;
  kind: string;
  transaction_id: string | null;
  original_entry_id: string | null;
  fee_schedule_version: string | null;
  previous_hash: string;
  hash: string;
  posted_at: Date;
}

/** One journal entry for an operator: one read, so no handler of its own. Audited. */
@ApiTags('admin')
@Controller('admin')
export class JournalEntryController {
  constructor(@Inject(SQL_POOL) private readonly pool: SqlPool) {}

  @Get('entries/:entryId')
  @AdminOnly('ledger.admin.entry')
  @ApiOperation({
    summary: 'One journal entry with its postings and its place in its partition’s chain.',
  })
  async entry(
    @Param('entryId', new JsonSchemaValidationPipe(identifier)) entryId: string,
  ): Promise<Record<string, unknown>> {
    const { rows: entries } = await this.pool.query<EntryRow>(
      `SELECT entry_id, partition, sequence::text, partition_key, kind, transaction_id, original_entry_id, fee_schedule_version, previous_hash, hash, posted_at
         FROM ledger_entries WHERE entry_id = $1`,
      [entryId],
    );
    const entry = entries[0];
    if (!entry) throw notFound(`Entry ${entryId}`, 'entryId');
    const { rows: postings } = await this.pool.query<{
      account_id: string;
      side: string;
      amount: string;
      currency: string;
    }>(
      'SELECT account_id, side, amount::text, currency FROM ledger_postings WHERE entry_id = $1 ORDER BY posting_index',
      [entryId],
    );
    return {
      entryId: entry.entry_id,
      partition: entry.partition,
      sequence: entry.sequence,
      partitionKey: entry.partition_key,
      kind: entry.kind,
      transactionId: entry.transaction_id,
      originalEntryId: entry.original_entry_id,
      postings: postings.map((posting) => ({
        accountId: posting.account_id,
        side: posting.side,
        amount: posting.amount,
        currency: posting.currency,
      })),
      feeScheduleVersion: entry.fee_schedule_version,
      previousHash: entry.previous_hash,
      hash: entry.hash,
      postedAt: entry.posted_at.toISOString(),
    };
  }
}
