import { Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '@settle/platform';
import { type SqlExecutor } from '@settle/messaging';
import { DataSource } from 'typeorm';
import { sqlPoolOf } from '../adapters/postgres/sql-pool';
import { rebuildAndCompare, type RebuildReport, verifyJournalChains, type VerifyChainReport } from './check-journal';

/**
 * Operators' checks of the journal (docs/ledger.md, "Rebuild and verify-chain"). Both read one
 * REPEATABLE READ snapshot, so settlement continues while they run, and neither changes anything.
 */
@ApiTags('admin')
@Controller('admin/journal')
export class CheckJournalController {
  constructor(private readonly dataSource: DataSource) {}

  @Post('verify-chain')
  @HttpCode(HttpStatus.OK)
  @AdminOnly('ledger.admin.journal.verify-chain')
  @ApiOperation({ summary: 'Walks every partition’s hash chain from genesis and reports each broken partition’s first broken link.' })
  verifyChain(): Promise<VerifyChainReport> {
    return this.inSnapshot(verifyJournalChains);
  }

  @Post('rebuild')
  @HttpCode(HttpStatus.OK)
  @AdminOnly('ledger.admin.journal.rebuild')
  @ApiOperation({ summary: 'Rebuilds chain heads and sub-balances from the journal into a fresh projection and compares them with the live ones.' })
  rebuild(): Promise<RebuildReport> {
    return this.inSnapshot(rebuildAndCompare);
  }

  private async inSnapshot<T>(work: (sql: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await sqlPoolOf(this.dataSource).connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      return await work(client);
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release();
    }
  }
}
