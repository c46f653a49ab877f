import { Controller, Get, Header, HttpStatus, Inject, Param, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { type SqlPool } from '@settle/messaging';
import {
  type Clock,
  CLOCK,
  JsonSchemaValidationPipe,
  ProblemException,
  SQL_POOL,
} from '@settle/platform';
import { Authenticated, AuthenticatedPrincipal, type Principal } from '@settle/resource-guard';
import { ReceiptSigner } from './receipt-signer';
import {
  confirmationCursorMax,
  confirmationsPage,
  confirmationsPageSizeDefault,
  confirmationsPageSizeMax,
  scopeOf,
  transactionStatus,
  type ConfirmationView,
  type TransactionStatusView,
} from './transaction-queries';

/**
 * How long a client may cache the receipt key set, in seconds. A new key is published
 * SETTLE_VERIFIER_RECEIPT_KEY_PREPUBLISH_MS (days) before it signs, far longer than this.
 */
export const receiptKeysCacheMaxAgeSeconds = 300;

/** `txn_` + 43 base64url characters (formatTransactionId). */
const transactionIdPattern = /^txn_[A-Za-z0-9_-]{43}$/;

interface ConfirmationsQuery {
  after?: string;
  limit?: string;
}
const confirmationsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    // Decimal digits only (no sign, no leading zero): a cursor this API returned, or 0.
    after: { type: 'string', pattern: '^(0|[1-9][0-9]{0,18})$' },
    limit: { type: 'string', pattern: '^[1-9][0-9]{0,2}$' },
  },
} as const;

const outOfRange = (field: string, message: string) =>
  ProblemException.validation([{ field, code: 'OUT_OF_RANGE', message }]);

/**
 * Terminals and phones ask after their transactions (docs/verifier.md, "Status and confirmations"):
 * one transaction's status and confirmation, or every confirmation since a cursor. Each caller sees
 * only its own — a terminal what it uploaded, a phone what its device authorized; anything else is
 * unknown (404), never forbidden, so ids of others cannot be probed. The receipt keys are public.
 */
@ApiTags('transactions')
@Controller('v1')
export class TransactionsController {
  constructor(
    @Inject(SQL_POOL) private readonly pool: SqlPool,
    private readonly signer: ReceiptSigner,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get('transactions/:transactionId')
  @Authenticated({ roles: ['pos-terminal', 'consumer-device'] })
  @ApiOperation({
    summary:
      'One of the caller’s transactions: status (received, verified, rejected, settled, settlement-failed), reason, times, and the signed confirmation once final.',
  })
  @ApiParam({
    name: 'transactionId',
    description: '`txn_` + the base64url transaction id (47 characters).',
  })
  @ApiOkResponse({
    description:
      '{ transactionId, status, reasonCode, uploadedAt, decidedAt, settledAt, confirmation (base64url COSE_Sign1 or null) }',
  })
  @ApiBadRequestResponse({
    description: 'transactionId is not a transaction id (VALIDATION_FAILED).',
  })
  @ApiNotFoundResponse({ description: 'Unknown, or not the caller’s (TRANSACTION_NOT_FOUND).' })
  async transaction(
    @Param('transactionId') transactionId: string,
    @AuthenticatedPrincipal() principal: Principal,
  ): Promise<TransactionStatusView> {
    // Checked here rather than by a schema pipe, whose problems would not name a path parameter.
    if (!transactionIdPattern.test(transactionId)) {
      throw ProblemException.validation([
        {
          field: 'transactionId',
          code: 'INVALID_FORMAT',
          message: 'must be txn_ followed by 43 base64url characters',
        },
      ]);
    }
    const found = await transactionStatus(this.pool, transactionId, scopeOf(principal));
    if (found === null) {
      throw new ProblemException({
        status: HttpStatus.NOT_FOUND,
        code: 'TRANSACTION_NOT_FOUND',
        title: 'Transaction not found',
        detail: 'transactionId: no transaction of this caller has this id',
        errors: [
          {
            field: 'transactionId',
            code: 'TRANSACTION_NOT_FOUND',
            message: 'no transaction of this caller has this id',
          },
        ],
      });
    }
    return found;
  }

  @Get('confirmations')
  @Authenticated({ roles: ['pos-terminal', 'consumer-device'] })
  @ApiOperation({
    summary:
      'The caller’s signed confirmations after a cursor, oldest first; keep nextCursor and pass it as after next time.',
  })
  @ApiQuery({
    name: 'after',
    required: false,
    description: 'Cursor (decimal string) of the last confirmation seen; default 0.',
  })
  @ApiQuery({
    name: 'limit',
    required: false,
    description: `Page size, 1..${confirmationsPageSizeMax}; default ${confirmationsPageSizeDefault}.`,
  })
  @ApiOkResponse({
    description:
      '{ confirmations: [{ cursor, transactionId, status, reasonCode, confirmation (base64url) }], nextCursor }',
  })
  @ApiBadRequestResponse({
    description:
      'after or limit malformed or out of range, or another query parameter (VALIDATION_FAILED naming it).',
  })
  async confirmations(
    @Query(new JsonSchemaValidationPipe<ConfirmationsQuery>(confirmationsQuerySchema))
    query: ConfirmationsQuery,
    @AuthenticatedPrincipal() principal: Principal,
  ): Promise<{ confirmations: ConfirmationView[]; nextCursor: string }> {
    const after = BigInt(query.after ?? '0');
    if (after > confirmationCursorMax)
      throw outOfRange('after', `must be at most ${confirmationCursorMax}`);
    const limit = query.limit === undefined ? confirmationsPageSizeDefault : Number(query.limit);
    if (limit > confirmationsPageSizeMax)
      throw outOfRange('limit', `must be at most ${confirmationsPageSizeMax}`);
    return confirmationsPage(this.pool, scopeOf(principal), { after, limit });
  }

  @Get('receipt-keys')
  @Header('Cache-Control', `public, max-age=${receiptKeysCacheMaxAgeSeconds}`)
  @ApiOperation({
    summary:
      'The receipt keys (JWK Set) that sign confirmations: the signing key, the next one ahead of its use, and retired ones for the overlap. Public.',
  })
  @ApiOkResponse({
    description:
      '{ keys: [{ kty, crv, x, y, kid (RFC 7638 thumbprint = the COSE kid), alg: ES256, use: sig }] }',
  })
  @ApiServiceUnavailableResponse({
    description: 'Key custody cannot be read (RECEIPT_KEY_UNAVAILABLE).',
  })
  async receiptKeys() {
    const keys = await this.signer.publishedKeys(this.clock.now());
    return {
      keys: keys.map((key) => ({ ...key.publicJwk, kid: key.kid, alg: key.alg, use: 'sig' })),
    };
  }
}
