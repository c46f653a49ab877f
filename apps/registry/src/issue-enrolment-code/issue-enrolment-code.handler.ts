import { randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { inTransaction, type SqlPool } from '@settle/messaging';
import { type Clock, CLOCK, SERVICE_CONFIG, SQL_POOL } from '@settle/platform';
import { type RegistrySettings } from '../config';
import { addMs } from '../domain/challenge';
import {
  enrolmentCodeBytes,
  type EnrolmentSubject,
  formatEnrolmentCode,
  hashEnrolmentCode,
} from '../domain/enrolment-code';

export type IssueEnrolmentCodeResult =
  | {
      readonly outcome: 'issued';
      readonly codeId: string;
      readonly code: string;
      readonly expiresAt: string;
    }
  | { readonly outcome: 'unknown-subject' };

/**
 * A fresh code for one device or one terminal; returned once, stored as its SHA-256. The answer also
 * carries the code's id, by which an operator can revoke it (revoke-enrolment-code).
 */
@Injectable()
export class IssueEnrolmentCodeHandler {
  constructor(
    @Inject(SQL_POOL) private readonly pool: SqlPool,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SERVICE_CONFIG) private readonly config: RegistrySettings,
  ) {}

  issue(subject: EnrolmentSubject, operatorId: string): Promise<IssueEnrolmentCodeResult> {
    return inTransaction(this.pool, async (sql) => {
      const now = this.clock.now().toISOString();
      const table =
        subject.kind === 'device'
          ? 'SELECT 1 FROM registry_devices WHERE device_id = $1'
          : 'SELECT 1 FROM registry_terminals WHERE terminal_id = $1';
      if ((await sql.query(table, [subject.id])).rows.length === 0)
        return { outcome: 'unknown-subject' };
      const code = formatEnrolmentCode(randomBytes(enrolmentCodeBytes));
      const codeId = randomUUID();
      const expiresAt = addMs(now, this.config.SETTLE_REGISTRY_ENROLMENT_CODE_TTL_MS);
      await sql.query(
        'INSERT INTO registry_enrolment_codes (code_hash, code_id, subject_kind, subject_id, issued_by, issued_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [hashEnrolmentCode(code), codeId, subject.kind, subject.id, operatorId, now, expiresAt],
      );
      return { outcome: 'issued', codeId, code, expiresAt };
    });
  }
}
