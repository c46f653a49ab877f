import { Inject, Injectable } from '@nestjs/common';
import { inTransaction, type SqlPool } from '@settle/messaging';
import { type Clock, CLOCK, SQL_POOL } from '@settle/platform';
import { loadEnrolmentCodeById } from '../adapters/postgres/registry-store';
import {
  decideRevokeEnrolmentCode,
  type EnrolmentCodeRevocationRefusal,
} from '../domain/enrolment-code';

export type RevokeEnrolmentCodeResult =
  | {
      readonly outcome: 'revoked' | 'unchanged';
      readonly codeId: string;
      readonly revokedAt: string;
    }
  | { readonly outcome: 'refused'; readonly code: EnrolmentCodeRevocationRefusal }
  | { readonly outcome: 'unknown-code' };

/**
 * An operator withdraws an unused enrolment code: from the commit on, neither a challenge nor a
 * registration accepts it (`410 ENROLMENT_CODE_REVOKED`), including a challenge it obtained before.
 * The row lock on the code orders this against a registration racing it: one of the two wins.
 */
@Injectable()
export class RevokeEnrolmentCodeHandler {
  constructor(
    @Inject(SQL_POOL) private readonly pool: SqlPool,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  revoke(codeId: string, operatorId: string): Promise<RevokeEnrolmentCodeResult> {
    return inTransaction(this.pool, async (sql) => {
      const record = await loadEnrolmentCodeById(sql, codeId);
      if (record === null) return { outcome: 'unknown-code' };
      const decision = decideRevokeEnrolmentCode(record);
      if (decision.outcome === 'refused') return decision;
      if (decision.outcome === 'unchanged')
        return { outcome: 'unchanged', codeId, revokedAt: record.revokedAt! };
      const revokedAt = this.clock.now().toISOString();
      const { rowCount } = await sql.query(
        'UPDATE registry_enrolment_codes SET revoked_at = $2, revoked_by = $3 WHERE code_id = $1 AND revoked_at IS NULL AND consumed_at IS NULL',
        [codeId, revokedAt, operatorId],
      );
      if (rowCount !== 1) throw new Error(`enrolment code ${codeId} changed under its row lock`);
      return { outcome: 'revoked', codeId, revokedAt };
    });
  }
}
