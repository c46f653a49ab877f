import { Inject, Injectable } from '@nestjs/common';
import { merchantOnboardedV1 } from '@settle/contracts';
import { inTransaction, Outbox, requestCause, type SqlPool } from '@settle/messaging';
import { type Clock, CLOCK, SQL_POOL } from '@settle/platform';
import { type CreateResult, existingRecord } from '../adapters/create-result';
import { registryEvent } from '../adapters/registry-events';
import { compareWithExisting } from '../domain/idempotent-create';

export interface NewMerchant {
  readonly merchantId: string;
  readonly displayName: string;
  readonly categoryCode: string;
  readonly settlementCurrency: string;
  readonly timeZone: string;
}

type MerchantRow = {
  merchant_id: string;
  display_name: string;
  category_code: string;
  settlement_currency: string;
  time_zone: string;
  onboarded_at: Date;
};

/** Onboards a merchant, idempotent by its id; the row and merchant.onboarded in one transaction (the outbox). */
@Injectable()
export class OnboardMerchantHandler {
  constructor(
    @Inject(SQL_POOL) private readonly pool: SqlPool,
    private readonly outbox: Outbox,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onboard(
    request: NewMerchant,
    operatorId: string,
    requestId: string | null,
  ): Promise<CreateResult<NewMerchant>> {
    return inTransaction(this.pool, async (sql) => {
      const now = this.clock.now().toISOString();
      const inserted = await sql.query(
        `INSERT INTO registry_merchants (merchant_id, display_name, category_code, settlement_currency, time_zone, onboarded_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (merchant_id) DO NOTHING RETURNING onboarded_at`,
        [
          request.merchantId,
          request.displayName,
          request.categoryCode,
          request.settlementCurrency,
          request.timeZone,
          now,
          operatorId,
        ],
      );
      if (inserted.rows.length === 1) {
        await this.outbox.append(sql, [
          registryEvent(
            merchantOnboardedV1,
            { ...request, onboardedAt: now },
            requestCause(requestId, now),
          ),
        ]);
        return { outcome: 'created', record: { ...request, createdAt: now } };
      }
      const { rows } = await sql.query<MerchantRow>(
        'SELECT * FROM registry_merchants WHERE merchant_id = $1',
        [request.merchantId],
      );
      const row = rows[0]!;
      const found = {
        merchantId: row.merchant_id,
        displayName: row.display_name,
        categoryCode: row.category_code,
        settlementCurrency: row.settlement_currency,
        timeZone: row.time_zone,
      };
      return existingRecord(compareWithExisting(found, { ...request }), request, row.onboarded_at);
    });
  }
}
