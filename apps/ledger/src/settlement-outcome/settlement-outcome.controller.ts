import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { type SqlPool } from '@settle/messaging';
import { AdminOnly, JsonSchemaValidationPipe, SQL_POOL } from '@settle/platform';
import { notFound } from '../admin-http/problems';
import { identifier } from '../admin-http/schemas';

/** The final outcome of a verified payment for an operator: one read, so no handler of its own. Audited. */
@ApiTags('admin')
@Controller('admin')
export class SettlementOutcomeController {
  constructor(@Inject(SQL_POOL) private readonly pool: SqlPool) {}

  @Get('settlements/:transactionId')
  @AdminOnly('ledger.admin.settlement')
  @ApiOperation({
    summary:
      'The final outcome of a verified payment: settled (with its entry) or failed (with its reason).',
  })
  async settlement(
    @Param('transactionId', new JsonSchemaValidationPipe(identifier)) transactionId: string,
  ): Promise<Record<string, unknown>> {
    const { rows } = await this.pool.query<Record<string, string | null> & { decided_at: Date }>(
      `SELECT transaction_id, consumer_account_id, merchant_id, amount::text, currency, status, reason_code, fee::text, merchant_amount::text, entry_id, fee_schedule_version, decided_at
         FROM ledger_settlements WHERE transaction_id = $1`,
      [transactionId],
    );
    const row = rows[0];
    if (!row) throw notFound(`Settlement of ${transactionId}`, 'transactionId');
    return {
      transactionId: row.transaction_id,
      consumerAccountId: row.consumer_account_id,
      merchantId: row.merchant_id,
      amount: row.amount,
      currency: row.currency,
      status: row.status,
      reasonCode: row.reason_code,
      fee: row.fee,
      merchantAmount: row.merchant_amount,
      entryId: row.entry_id,
      feeScheduleVersion: row.fee_schedule_version,
      decidedAt: row.decided_at.toISOString(),
    };
  }
}
