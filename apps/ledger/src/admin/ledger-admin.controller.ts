import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { type AdminActor, AdminActorOf, AdminOnly, AdminOperator, JsonSchemaValidationPipe, ProblemException } from '@settle/platform';
import { DataSource } from 'typeorm';
import { normalBalance } from '../adapters/postgres/journal-store';
import { type AccountType } from '../domain/accounts';
import { feeBasisPointsMax } from '../domain/fees';
import { FundWalletHandler } from '../fund-wallet/fund-wallet.handler';
import { heldAnswer, type HeldAnswer, makerOnly } from './held-answer';

const identifier = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } as const;
const positiveAmount = { type: 'string', pattern: '^[1-9][0-9]{0,18}$' } as const;
// The format (ajv-formats, full mode) refuses what only matches the pattern (2026-13-45T…), which
// PostgreSQL would answer with an error — a 500 — instead of a field problem.
const timestamp = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$', format: 'date-time' } as const;

interface FeeScheduleRequest {
  basisPoints: number;
  fixedMinorUnits: string;
  effectiveFrom: string | null;
}
const feeScheduleSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['basisPoints', 'fixedMinorUnits', 'effectiveFrom'],
  properties: {
    basisPoints: { type: 'integer', minimum: 0, maximum: feeBasisPointsMax },
    fixedMinorUnits: { type: 'string', pattern: '^(0|[1-9][0-9]{0,6})$' },
    effectiveFrom: { anyOf: [timestamp, { type: 'null' }] },
  },
};

interface FundingRequest {
  clientKey: string;
  consumerAccountId: string;
  amount: string;
  currency: string;
}
const fundingSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['clientKey', 'consumerAccountId', 'amount', 'currency'],
  properties: { clientKey: identifier, consumerAccountId: identifier, amount: positiveAmount, currency: { type: 'string', pattern: '^[A-Z]{3}$' } },
};

const notFound = (what: string) => new ProblemException({ status: HttpStatus.NOT_FOUND, code: 'NOT_FOUND', title: 'Not found', detail: `${what} was not found.` });

/** Operators' view of and actions on the ledger (docs/ledger.md). Every route is audited. */
@ApiTags('admin')
@Controller('admin')
export class LedgerAdminController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly fundWallet: FundWalletHandler,
  ) {}

  @Post('merchants/:merchantId/fee-schedules')
  @AdminOnly('ledger.admin.fee-schedule.create', { role: 'maker' })
  @ApiOperation({ summary: 'Sets a merchant’s fee schedule (basis points + fixed), effective now or from a time; returns its version.' })
  async createFeeSchedule(
    @Param('merchantId', new JsonSchemaValidationPipe(identifier)) merchantId: string,
    @Body(new JsonSchemaValidationPipe<FeeScheduleRequest>(feeScheduleSchema)) body: FeeScheduleRequest,
    @AdminOperator() operatorId: string,
  ): Promise<{ version: string; merchantId: string; basisPoints: number; fixedMinorUnits: string; effectiveFrom: string }> {
    const rows: Array<{ version: string; effective_from: Date }> = await this.dataSource.query(
      `INSERT INTO ledger_fee_schedules (merchant_id, basis_points, fixed_minor_units, effective_from, created_by, created_at)
       VALUES ($1, $2, $3, coalesce($4::timestamptz, now()), $5, now()) RETURNING version, effective_from`,
      [merchantId, body.basisPoints, body.fixedMinorUnits, body.effectiveFrom, operatorId],
    );
    const row = rows[0]!;
    return { version: row.version, merchantId, basisPoints: body.basisPoints, fixedMinorUnits: body.fixedMinorUnits, effectiveFrom: row.effective_from.toISOString() };
  }

  @Post('fundings')
  @HttpCode(HttpStatus.OK)
  @AdminOnly('ledger.admin.funding.create', { role: 'maker' })
  @ApiOperation({ summary: 'Tops up a wallet; idempotent by clientKey (the same key with other content is 409); above the limits it waits for a checker (outcome pending-approval).' })
  async fund(@Body(new JsonSchemaValidationPipe<FundingRequest>(fundingSchema)) body: FundingRequest, @AdminActorOf() maker: AdminActor): Promise<{ outcome: 'posted' | 'duplicate'; entryId: string } | HeldAnswer> {
    const result = await this.fundWallet.fund(body, makerOnly(maker), maker.requestId);
    switch (result.outcome) {
      case 'pending-approval':
        return heldAnswer(result);
      case 'posted':
        return { outcome: 'posted', entryId: result.entry.entryId };
      case 'duplicate':
        if (result.conflicting) {
          throw new ProblemException({ status: HttpStatus.CONFLICT, code: 'IDEMPOTENCY_KEY_REUSED', title: 'Client key reused', detail: 'This clientKey funded a different request.', errors: [{ field: 'clientKey', code: 'IDEMPOTENCY_KEY_REUSED', message: 'was used for a different funding' }] });
        }
        return { outcome: 'duplicate', entryId: result.entryId };
      case 'rejected': {
        const field = result.code === 'UNKNOWN_ACCOUNT' ? 'consumerAccountId' : result.code === 'CURRENCY_MISMATCH' ? 'currency' : 'amount';
        throw new ProblemException({ status: HttpStatus.UNPROCESSABLE_ENTITY, code: result.code, title: 'Funding rejected', detail: `The funding cannot be posted: ${result.code}.`, errors: [{ field, code: result.code, message: 'cannot be funded' }] });
      }
    }
  }

  @Get('accounts/:accountId/balance')
  @AdminOnly('ledger.admin.balance')
  @ApiOperation({ summary: 'An account’s balance on its normal side, now or as of a time (?asOf=RFC 3339).' })
  async balance(
    @Param('accountId', new JsonSchemaValidationPipe(identifier)) accountId: string,
    @Query(new JsonSchemaValidationPipe<{ asOf?: string }>({ type: 'object', additionalProperties: false, properties: { asOf: timestamp } })) query: { asOf?: string },
  ): Promise<{ accountId: string; type: AccountType; currency: string; balance: string; asOf: string | null }> {
    const accounts: Array<{ type: AccountType; currency: string }> = await this.dataSource.query('SELECT type, currency FROM ledger_accounts WHERE account_id = $1', [accountId]);
    const account = accounts[0];
    if (!account) throw notFound(`Account ${accountId}`);
    const [row]: Array<{ net: string | null }> = query.asOf
      ? await this.dataSource.query(
          `SELECT sum(CASE side WHEN 'debit' THEN amount ELSE -amount END)::text AS net FROM ledger_postings WHERE account_id = $1 AND posted_at <= $2::timestamptz`,
          [accountId, query.asOf],
        )
      : await this.dataSource.query('SELECT sum(debits - credits)::text AS net FROM ledger_balances WHERE account_id = $1', [accountId]);
    return { accountId, type: account.type, currency: account.currency, balance: normalBalance(account.type, BigInt(row?.net ?? '0')).toString(), asOf: query.asOf ?? null };
  }

  @Get('entries/:entryId')
  @AdminOnly('ledger.admin.entry')
  @ApiOperation({ summary: 'One journal entry with its postings and its place in its partition’s chain.' })
  async entry(@Param('entryId', new JsonSchemaValidationPipe(identifier)) entryId: string): Promise<Record<string, unknown>> {
    const entries: Array<Record<string, unknown> & { posted_at: Date }> = await this.dataSource.query(
      `SELECT entry_id, partition, sequence::text, partition_key, kind, transaction_id, original_entry_id, fee_schedule_version, previous_hash, hash, posted_at
         FROM ledger_entries WHERE entry_id = $1`,
      [entryId],
    );
    const entry = entries[0];
    if (!entry) throw notFound(`Entry ${entryId}`);
    const postings: Array<{ account_id: string; side: string; amount: string; currency: string }> = await this.dataSource.query(
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
      postings: postings.map((posting) => ({ accountId: posting.account_id, side: posting.side, amount: posting.amount, currency: posting.currency })),
      feeScheduleVersion: entry.fee_schedule_version,
      previousHash: entry.previous_hash,
      hash: entry.hash,
      postedAt: entry.posted_at.toISOString(),
    };
  }

  @Get('settlements/:transactionId')
  @AdminOnly('ledger.admin.settlement')
  @ApiOperation({ summary: 'The final outcome of a verified payment: settled (with its entry) or failed (with its reason).' })
  async settlement(@Param('transactionId', new JsonSchemaValidationPipe(identifier)) transactionId: string): Promise<Record<string, unknown>> {
    const rows: Array<Record<string, string | null> & { decided_at: Date }> = await this.dataSource.query(
      `SELECT transaction_id, consumer_account_id, merchant_id, amount::text, currency, status, reason_code, fee::text, merchant_amount::text, entry_id, fee_schedule_version, decided_at
         FROM ledger_settlements WHERE transaction_id = $1`,
      [transactionId],
    );
    const row = rows[0];
    if (!row) throw notFound(`Settlement of ${transactionId}`);
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
