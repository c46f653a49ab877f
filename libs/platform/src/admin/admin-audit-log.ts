import { Inject, Injectable } from '@nestjs/common';
import { activeTraceId } from '@settle/telemetry';
import { type Logger } from 'pino';
import { DataSource } from 'typeorm';
import { PLATFORM_LOGGER } from '../bootstrap/platform-tokens';

/** What an audit row says about the request (the rest — time, outcome — the log fills in). */
export interface AdminAuditEntry {
  readonly action: string;
  readonly httpMethod: string;
  readonly path: string;
  readonly targetParams: Readonly<Record<string, string>>;
  readonly requestId: string;
  readonly operatorId?: string;
  readonly claimedOperatorId?: string;
}

export interface AdminAuditOutcome {
  readonly status: number;
  readonly code?: string;
}

/** Longest claimed (unverified) operator id stored: it is attacker-controlled text. */
const claimedOperatorIdLengthMax = 64;

/** Writes the `admin_audit_log` table (platform migration 0001). */
@Injectable()
export class AdminAuditLog {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(PLATFORM_LOGGER) private readonly logger: Logger,
  ) {}

  /** Inserts the row of an admin action about to run; returns its id for {@link finish}. */
  async begin(entry: AdminAuditEntry): Promise<string> {
    const rows = (await this.dataSource.query(
      `INSERT INTO admin_audit_log (operator_id, claimed_operator_id, action, http_method, path, target_params, request_id, trace_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
      this.parameters(entry),
    )) as { id: string }[];
    const id = rows[0]?.id;
    if (id === undefined) throw new Error('admin_audit_log insert returned no id');
    return id;
  }

  /** Completes the row with the outcome the caller saw. */
  async finish(id: string, outcome: AdminAuditOutcome): Promise<void> {
    await this.dataSource.query(
      `UPDATE admin_audit_log SET outcome_status = $2, outcome_code = $3, finished_at = clock_timestamp()
       WHERE id = $1 AND outcome_status IS NULL`,
      [id, outcome.status, outcome.code ?? null],
    );
  }

  /**
   * Records a request that never reached its handler (rejected credentials) as one complete row. A
   * failure to write is logged, not thrown: the caller is refused either way.
   */
  async recordRejected(entry: AdminAuditEntry, outcome: AdminAuditOutcome): Promise<void> {
    try {
      await this.dataSource.query(
        `INSERT INTO admin_audit_log
           (operator_id, claimed_operator_id, action, http_method, path, target_params, request_id, trace_id,
            outcome_status, outcome_code, finished_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, clock_timestamp())`,
        [...this.parameters(entry), outcome.status, outcome.code ?? null],
      );
    } catch (error) {
      this.logger.error({ err: error, action: entry.action, requestId: entry.requestId }, 'could not write the admin audit log');
    }
  }

  private parameters(entry: AdminAuditEntry): unknown[] {
    return [
      entry.operatorId ?? null,
      entry.claimedOperatorId?.slice(0, claimedOperatorIdLengthMax) ?? null,
      entry.action,
      entry.httpMethod,
      entry.path,
      JSON.stringify(entry.targetParams),
      entry.requestId,
      activeTraceId() ?? null,
    ];
  }
}
