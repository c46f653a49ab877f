import { Controller, Get, Header, HttpStatus, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { type SqlPool } from '@settle/messaging';
import { AdminOnly, JsonSchemaValidationPipe, ProblemException, SQL_POOL } from '@settle/platform';
import { DataSource } from 'typeorm';
import { type AccountType, ledgerAccountId } from '../domain/accounts';
import {
  type DateBasis,
  dateBases,
  decodeCursor,
  merchantDayStatement,
  type MerchantDayStatement,
  merchantDayStatementCsv,
  reconciliation,
  type ReconciliationReport,
  statementPage,
  statementPageSizeDefault,
  statementPageSizeMax,
  type StatementLine,
} from './statement-queries';

const identifier = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } as const;
// The pattern keeps the shape strict; the format (ajv-formats, full mode) refuses what only looks like a
// date (2026-02-30), which PostgreSQL would answer with an error — a 500 — instead of a field problem.
const calendarDate = {
  type: 'string',
  pattern: '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$',
  format: 'date',
} as const;
const timestamp = {
  type: 'string',
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$',
  format: 'date-time',
} as const;

interface StatementQuery {
  limit?: string;
  cursor?: string;
}
const statementQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'string', pattern: '^[1-9][0-9]{0,2}$' },
    cursor: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,400}$' },
  },
};

/** `?dateBasis=posted|approved` (default posted): which time puts an entry in a day or a period. */
interface DateBasisQuery {
  dateBasis?: DateBasis;
}
const dateBasisProperty = { type: 'string', enum: dateBases } as const;
const dateBasisQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { dateBasis: dateBasisProperty },
} as const;
const dateBasisDefault: DateBasis = 'posted';

const notFound = (what: string) =>
  new ProblemException({
    status: HttpStatus.NOT_FOUND,
    code: 'NOT_FOUND',
    title: 'Not found',
    detail: `${what} was not found.`,
  });
const invalid = (field: string, message: string) =>
  new ProblemException({
    status: HttpStatus.BAD_REQUEST,
    code: 'VALIDATION_FAILED',
    title: 'Invalid request',
    detail: `${field} ${message}.`,
    errors: [{ field, code: 'INVALID', message }],
  });

/** Statements and reconciliation (docs/ledger.md, "Statements and reconciliation"). Read only, audited. */
@ApiTags('admin')
@Controller('admin')
export class StatementsController {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SQL_POOL) private readonly pool: SqlPool,
  ) {}

  @Get('accounts/:accountId/statement')
  @AdminOnly('ledger.admin.statement')
  @ApiOperation({
    summary:
      'An account’s postings, oldest first, a page at a time (?limit ≤ 500, ?cursor from the previous page).',
  })
  async statement(
    @Param('accountId', new JsonSchemaValidationPipe(identifier)) accountId: string,
    @Query(new JsonSchemaValidationPipe<StatementQuery>(statementQuerySchema))
    query: StatementQuery,
  ): Promise<{
    accountId: string;
    type: AccountType;
    currency: string;
    lines: StatementLine[];
    nextCursor: string | null;
  }> {
    const limit = query.limit === undefined ? statementPageSizeDefault : Number(query.limit);
    if (limit > statementPageSizeMax)
      throw invalid('limit', `must be at most ${statementPageSizeMax}`);
    const after = query.cursor === undefined ? null : decodeCursor(query.cursor);
    if (query.cursor !== undefined && after === null)
      throw invalid('cursor', 'is not a cursor this API returned');
    const accounts: Array<{ type: AccountType; currency: string }> = await this.dataSource.query(
      'SELECT type, currency FROM ledger_accounts WHERE account_id = $1',
      [accountId],
    );
    const account = accounts[0];
    if (!account) throw notFound(`Account ${accountId}`);
    const page = await statementPage(
      this.pool,
      { accountId, type: account.type },
      { after, limit },
    );
    return { accountId, type: account.type, currency: account.currency, ...page };
  }

  @Get('merchants/:merchantId/statements/:date')
  @AdminOnly('ledger.admin.merchant-statement')
  @ApiOperation({
    summary:
      'A merchant’s end-of-day statement (the day in the merchant’s time zone) as JSON; ?dateBasis=posted (default) or approved.',
  })
  merchantStatement(
    @Param('merchantId', new JsonSchemaValidationPipe(identifier)) merchantId: string,
    @Param('date', new JsonSchemaValidationPipe(calendarDate)) date: string,
    @Query(new JsonSchemaValidationPipe<DateBasisQuery>(dateBasisQuerySchema))
    query: DateBasisQuery,
  ): Promise<MerchantDayStatement> {
    return this.dayStatement(merchantId, date, query.dateBasis ?? dateBasisDefault);
  }

  @Get('merchants/:merchantId/statements/:date/csv')
  @Header('content-type', 'text/csv; charset=utf-8')
  @AdminOnly('ledger.admin.merchant-statement')
  @ApiOperation({
    summary: 'The same end-of-day statement as CSV (one row per entry, amounts in minor units).',
  })
  async merchantStatementCsv(
    @Param('merchantId', new JsonSchemaValidationPipe(identifier)) merchantId: string,
    @Param('date', new JsonSchemaValidationPipe(calendarDate)) date: string,
    @Query(new JsonSchemaValidationPipe<DateBasisQuery>(dateBasisQuerySchema))
    query: DateBasisQuery,
  ): Promise<string> {
    return merchantDayStatementCsv(
      await this.dayStatement(merchantId, date, query.dateBasis ?? dateBasisDefault),
    );
  }

  @Get('reconciliation')
  @AdminOnly('ledger.admin.reconciliation')
  @ApiOperation({
    summary:
      'Reconciles settlement outcomes with the journal over [from, to) (UTC), and debits with credits per currency; ?dateBasis=posted (default) or approved.',
  })
  async reconcile(
    @Query(
      new JsonSchemaValidationPipe<{ from: string; to: string } & DateBasisQuery>({
        type: 'object',
        additionalProperties: false,
        required: ['from', 'to'],
        properties: { from: timestamp, to: timestamp, dateBasis: dateBasisProperty },
      }),
    )
    query: { from: string; to: string } & DateBasisQuery,
  ): Promise<ReconciliationReport> {
    if (Date.parse(query.from) >= Date.parse(query.to)) throw invalid('to', 'must be after from');
    return reconciliation(this.pool, query.from, query.to, query.dateBasis ?? dateBasisDefault);
  }

  private async dayStatement(
    merchantId: string,
    date: string,
    dateBasis: DateBasis,
  ): Promise<MerchantDayStatement> {
    const settings: Array<{ time_zone: string; settlement_currency: string }> =
      await this.dataSource.query(
        'SELECT time_zone, settlement_currency FROM ledger_merchant_settings WHERE merchant_id = $1',
        [merchantId],
      );
    const merchant = settings[0];
    if (!merchant) throw notFound(`Merchant ${merchantId}`);
    return merchantDayStatement(
      this.pool,
      {
        merchantId,
        payableAccountId: ledgerAccountId('merchant-payable', merchantId),
        timeZone: merchant.time_zone,
        currency: merchant.settlement_currency,
      },
      date,
      dateBasis,
    );
  }
}
