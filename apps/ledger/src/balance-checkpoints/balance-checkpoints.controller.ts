import { Controller, HttpCode, HttpStatus, Inject, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { type SqlPool, withConnection } from '@settle/messaging';
import { AdminOnly, SQL_POOL } from '@settle/platform';
import { type CheckpointVerification, verifyBalanceCheckpoints } from './write-balance-checkpoints';

/** An operator's check of the balance checkpoints against the journal (docs/ledger.md, "Point-in-time balances"). */
@ApiTags('admin')
@Controller('admin/journal')
export class BalanceCheckpointsController {
  constructor(@Inject(SQL_POOL) private readonly pool: SqlPool) {}

  @Post('verify-checkpoints')
  @HttpCode(HttpStatus.OK)
  @AdminOnly('ledger.admin.journal.verify-checkpoints')
  @ApiOperation({
    summary:
      'Recomputes the latest balance checkpoint of every account and basis from the journal, in one snapshot, and lists those that differ.',
  })
  verifyCheckpoints(): Promise<CheckpointVerification> {
    return withConnection(this.pool, async (client, markBroken) => {
      try {
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        return await verifyBalanceCheckpoints(client);
      } finally {
        await client.query('ROLLBACK').catch(markBroken);
      }
    });
  }
}
