import { Inject, Injectable } from '@nestjs/common';
import { terminalRegisteredV1 } from '@settle/contracts';
import { inTransaction, Outbox, requestCause, type SqlPool } from '@settle/messaging';
import { type Clock, CLOCK, SQL_POOL } from '@settle/platform';
import { type CreateResult, existingRecord } from '../adapters/create-result';
import { registryEvent } from '../adapters/registry-events';
import { compareWithExisting } from '../domain/idempotent-create';

export interface NewTerminal {
  readonly terminalId: string;
  readonly merchantId: string;
}

/**
 * Registers a terminal of a known merchant, idempotent by its id; the row and terminal.registered in
 * one transaction (the outbox). The merchant row is share-locked so it is there when the insert commits.
 */
@Injectable()
export class RegisterTerminalHandler {
  constructor(
    @Inject(SQL_POOL) private readonly pool: SqlPool,
    private readonly outbox: Outbox,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  register(
    request: NewTerminal,
    operatorId: string,
    requestId: string | null,
  ): Promise<CreateResult<NewTerminal>> {
    return inTransaction(this.pool, async (sql) => {
      const now = this.clock.now().toISOString();
      const merchant = await sql.query(
        'SELECT 1 FROM registry_merchants WHERE merchant_id = $1 FOR SHARE',
        [request.merchantId],
      );
      const inserted =
        merchant.rows.length === 0
          ? { rows: [] }
          : await sql.query(
              'INSERT INTO registry_terminals (terminal_id, merchant_id, registered_at, created_by) VALUES ($1, $2, $3, $4) ON CONFLICT (terminal_id) DO NOTHING RETURNING 1',
              [request.terminalId, request.merchantId, now, operatorId],
            );
      if (inserted.rows.length === 0) {
        const { rows } = await sql.query<{ merchant_id: string; registered_at: Date }>(
          'SELECT merchant_id, registered_at FROM registry_terminals WHERE terminal_id = $1',
          [request.terminalId],
        );
        if (!rows[0]) return { outcome: 'unknown-parent' };
        return existingRecord(
          compareWithExisting(
            { terminalId: request.terminalId, merchantId: rows[0].merchant_id },
            { ...request },
          ),
          request,
          rows[0].registered_at,
        );
      }
      await this.outbox.append(sql, [
        registryEvent(
          terminalRegisteredV1,
          { ...request, registeredAt: now },
          requestCause(requestId, now),
        ),
      ]);
      return { outcome: 'created', record: { ...request, createdAt: now } };
    });
  }
}
