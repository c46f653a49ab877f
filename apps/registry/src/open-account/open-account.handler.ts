import { Inject, Injectable } from '@nestjs/common';
import { accountOpenedV1 } from '@settle/contracts';
import { inTransaction, Outbox, requestCause, type SqlPool } from '@settle/messaging';
import { type Clock, CLOCK, SQL_POOL } from '@settle/platform';
import { type CreateResult, existingRecord } from '../adapters/create-result';
import { registryEvent } from '../adapters/registry-events';
import { compareWithExisting } from '../domain/idempotent-create';

export interface NewAccount {
  readonly accountId: string;
  readonly holderDisplayName: string;
  readonly currency: string;
}

/** Opens a consumer account, idempotent by its id; the row and account.opened in one transaction (the outbox). */
@Injectable()
export class OpenAccountHandler {
  constructor(
    @Inject(SQL_POOL) private readonly pool: SqlPool,
    private readonly outbox: Outbox,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  open(
    request: NewAccount,
    operatorId: string,
    requestId: string | null,
  ): Promise<CreateResult<NewAccount>> {
    return inTransaction(this.pool, async (sql) => {
      const now = this.clock.now().toISOString();
      const inserted = await sql.query<{ opened_at: Date }>(
        `INSERT INTO registry_accounts (account_id, holder_display_name, currency, opened_at, created_by) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (account_id) DO NOTHING RETURNING opened_at`,
        [request.accountId, request.holderDisplayName, request.currency, now, operatorId],
      );
      if (inserted.rows.length === 1) {
        await this.outbox.append(sql, [
          registryEvent(
            accountOpenedV1,
            { ...request, openedAt: now },
            requestCause(requestId, now),
          ),
        ]);
        return { outcome: 'created', record: { ...request, createdAt: now } };
      }
      const { rows } = await sql.query<{
        account_id: string;
        holder_display_name: string;
        currency: string;
        opened_at: Date;
      }>('SELECT * FROM registry_accounts WHERE account_id = $1', [request.accountId]);
      const row = rows[0]!;
      return existingRecord(
        compareWithExisting(
          {
            accountId: row.account_id,
            holderDisplayName: row.holder_display_name,
            currency: row.currency,
          },
          { ...request },
        ),
        request,
        row.opened_at,
      );
    });
  }
}
