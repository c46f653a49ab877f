import { Body, Controller, Get, HttpCode, HttpStatus, Inject, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { amountSchema, currencySchema, identifierSchema, timestampSchema } from '@settle/contracts';
import { type SqlPool } from '@settle/messaging';
import { AdminOnly, JsonSchemaValidationPipe, ProblemException, SQL_POOL } from '@settle/platform';
import { Authenticated, AuthenticatedPrincipal, type Principal } from '@settle/resource-guard';
import {
  type EndOfDayReport,
  endOfDayReportCountMax,
  endOfDayReportCurrenciesMax,
} from './end-of-day.decider';
import { EndOfDayHandler, type ReconciliationAnswer } from './end-of-day.handler';
import {
  decodeReportsCursor,
  type ReconciliationReportView,
  reconciliationReportsPage,
  reconciliationReportsPageSizeDefault,
  reconciliationReportsPageSizeMax,
} from './reconciliation-reports';

const object = (properties: Record<string, unknown>) => ({
  type: 'object',
  additionalProperties: false,
  required: Object.keys(properties),
  properties,
});

/** The body of POST /v1/end-of-day-reports: amounts as decimal strings (a JSON number is refused, naming the field). */
const endOfDayReportSchema = object({
  reportId: identifierSchema,
  periodStart: timestampSchema,
  periodEnd: timestampSchema,
  totals: {
    type: 'array',
    maxItems: endOfDayReportCurrenciesMax,
    items: object({
      currency: currencySchema,
      count: { type: 'integer', minimum: 0, maximum: endOfDayReportCountMax },
      amount: amountSchema,
    }),
  },
});

interface ReportsQuery {
  status?: 'matched' | 'mismatched';
  terminalId?: string;
  merchantId?: string;
  limit?: string;
  cursor?: string;
}
const reportsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: ['matched', 'mismatched'] },
    terminalId: identifierSchema,
    merchantId: identifierSchema,
    limit: { type: 'string', pattern: '^[1-9][0-9]{0,2}$' },
    cursor: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,400}$' },
  },
} as const;

const invalidQuery = (field: string, code: string, message: string) =>
  ProblemException.validation([{ field, code, message }]);

/**
 * End-of-day reconciliation (docs/verifier.md, "End-of-day reconciliation"): a terminal reports its
 * batch totals per currency for a period and learns at once whether they match what the verifier
 * received from it; operators list the reports, the mismatched ones first among their concerns.
 */
@ApiTags('reconciliation')
@Controller()
export class EndOfDayController {
  constructor(
    @Inject(SQL_POOL) private readonly pool: SqlPool,
    private readonly handler: EndOfDayHandler,
  ) {}

  @Post('v1/end-of-day-reports')
  @HttpCode(HttpStatus.CREATED)
  @Authenticated({ roles: ['pos-terminal'] })
  @ApiOperation({
    summary:
      'The calling terminal’s totals (count and amount per currency) for [periodStart, periodEnd), compared with the transactions it uploaded that it approved in the period; idempotent by reportId.',
  })
  @ApiCreatedResponse({
    description:
      '{ reportId, status: matched | mismatched, differences: [{ currency, reportedCount, reportedAmount, receivedCount, receivedAmount, countDifference, amountDifference }] } — the same again for a repeat.',
  })
  @ApiBadRequestResponse({
    description:
      'A field malformed or out of range, an amount as a JSON number, a currency twice, a period backwards, too long or not yet ended (VALIDATION_FAILED naming the field).',
  })
  @ApiConflictResponse({
    description:
      'This terminal already reported this reportId with other content (REPORT_EXISTS_WITH_DIFFERENT_CONTENT).',
  })
  async report(
    @Body(new JsonSchemaValidationPipe<EndOfDayReport>(endOfDayReportSchema)) body: EndOfDayReport,
    @AuthenticatedPrincipal() principal: Principal,
  ): Promise<ReconciliationAnswer> {
    const result = await this.handler.submit(
      { terminalId: principal.subject, merchantId: principal.owner },
      body,
    );
    switch (result.outcome) {
      case 'created':
      case 'duplicate':
        return result.answer;
      case 'invalid':
        throw ProblemException.validation(result.problems);
      case 'conflict':
        throw new ProblemException({
          status: HttpStatus.CONFLICT,
          code: 'REPORT_EXISTS_WITH_DIFFERENT_CONTENT',
          title: 'Report already exists',
          detail: 'reportId: this terminal already reported this id with other content',
          errors: [
            {
              field: 'reportId',
              code: 'REPORT_EXISTS_WITH_DIFFERENT_CONTENT',
              message: 'was already reported with other content',
            },
          ],
        });
    }
  }

  @Get('admin/reconciliation-reports')
  @AdminOnly('verifier.admin.reconciliation-reports.list')
  @ApiOperation({
    summary:
      'End-of-day reports, newest first, optionally only matched or mismatched ones, of a terminal or merchant; a page at a time.',
  })
  @ApiQuery({ name: 'status', required: false, enum: ['matched', 'mismatched'] })
  @ApiQuery({ name: 'terminalId', required: false })
  @ApiQuery({ name: 'merchantId', required: false })
  @ApiQuery({
    name: 'limit',
    required: false,
    description: `1..${reconciliationReportsPageSizeMax}; default ${reconciliationReportsPageSizeDefault}.`,
  })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page.' })
  @ApiOkResponse({
    description:
      '{ reports: [{ terminalId, merchantId, reportId, periodStart, periodEnd, status, reportedAt, reported, received, differences }], nextCursor | null }',
  })
  async reports(
    @Query(new JsonSchemaValidationPipe<ReportsQuery>(reportsQuerySchema)) query: ReportsQuery,
  ): Promise<{ reports: ReconciliationReportView[]; nextCursor: string | null }> {
    const limit =
      query.limit === undefined ? reconciliationReportsPageSizeDefault : Number(query.limit);
    if (limit > reconciliationReportsPageSizeMax)
      throw invalidQuery(
        'limit',
        'OUT_OF_RANGE',
        `must be at most ${reconciliationReportsPageSizeMax}`,
      );
    const after = query.cursor === undefined ? null : decodeReportsCursor(query.cursor);
    if (query.cursor !== undefined && after === null)
      throw invalidQuery('cursor', 'INVALID', 'is not a cursor this API returned');
    const filter = {
      status: query.status ?? null,
      terminalId: query.terminalId ?? null,
      merchantId: query.merchantId ?? null,
    };
    return reconciliationReportsPage(this.pool, filter, { after, limit });
  }
}
