import { Inject, Injectable } from '@nestjs/common';
import { activeTraceId } from '@settle/telemetry';
import { type Logger } from 'pino';
import { DataSource } from 'typeorm';
import { PLATFORM_LOGGER, SERVICE_CONFIG } from '../bootstrap/platform-tokens';
import { type CommonConfig } from '../config/service-config';

/** What an audit row says about the request (the rest — time, outcome — the log fills in). */
export interface AdminAuditEntry {
  readonly action: string;
  readonly httpMethod: string;
  readonly path: string;
  readonly targetParams: Readonly<Record<string, string>>;
  /** Made by the server (see describeAdminRequest). */
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

/** NUL, and UTF-16 surrogates without their pair: PostgreSQL's text and jsonb refuse them. */
const unstorableOrBackslash =
  /\\|\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Text as the audit log stores it: what was sent, with the characters PostgreSQL refuses (NUL, a
 * lone surrogate) written as `\u0000`, and `\` as `\\` so the escape cannot be forged — the JSON
 * way. A route id with `%00` (decoded into the params) made the insert fail, and the record vanish.
 *
 * @example
 * auditText('a\u0000b'); // 'a\\u0000b', i.e. the six characters `\u0000` between a and b
 */
export function auditText(text: string): string {
  return text.replace(unstorableOrBackslash, (found) =>
    found === '\\' ? '\\\\' : `\\u${found.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Writes the `admin_audit_log` table (platform migration 0001). */
@Injectable()
export class AdminAuditLog {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(PLATFORM_LOGGER) private readonly logger: Logger,
    @Inject(SERVICE_CONFIG)
    private readonly config: Pick<CommonConfig, 'SETTLE_ADMIN_REFUSALS_SAMPLED_PER_MINUTE'>,
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
   * Records a verified operator's request refused for lack of a role: one complete row, not a sample
   * (a known person trying what they may not do is worth every row).
   */
  async recordForbidden(entry: AdminAuditEntry, outcome: AdminAuditOutcome): Promise<void> {
    await this.finish(await this.begin(entry), outcome);
  }

  /**
   * Records a request that never reached its handler (refused credentials): counted in
   * `admin_audit_refusals` (migration 0003), and — for the first
   * SETTLE_ADMIN_REFUSALS_SAMPLED_PER_MINUTE of its minute and code — stored as one complete audit
   * row, in the same statement. A failure to write is logged, not thrown: the caller is refused
   * either way.
   */
  async recordRejected(
    entry: AdminAuditEntry,
    outcome: AdminAuditOutcome & { readonly code: string },
  ): Promise<void> {
    const sampledPerMinute = this.config.SETTLE_ADMIN_REFUSALS_SAMPLED_PER_MINUTE;
    try {
      await this.dataSource.query(
        `WITH counted AS (
           INSERT INTO admin_audit_refusals AS r (minute, outcome_code, refused, sampled)
           VALUES (date_trunc('minute', clock_timestamp()), $10, 1, LEAST(1, $11::bigint))
           ON CONFLICT (minute, outcome_code) DO UPDATE
             SET refused = r.refused + 1, sampled = r.sampled + CASE WHEN r.refused + 1 <= $11::bigint THEN 1 ELSE 0 END
           RETURNING refused)
         INSERT INTO admin_audit_log
           (operator_id, claimed_operator_id, action, http_method, path, target_params, request_id, trace_id,
            outcome_status, outcome_code, finished_at)
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, clock_timestamp() FROM counted WHERE counted.refused <= $11::bigint`,
        [...this.parameters(entry), outcome.status, outcome.code, sampledPerMinute],
      );
    } catch (error) {
      this.logger.error(
        { err: error, action: entry.action, requestId: entry.requestId },
        'could not write the admin audit log',
      );
    }
  }

  private parameters(entry: AdminAuditEntry): unknown[] {
    const targetParams = Object.fromEntries(
      Object.entries(entry.targetParams).map(([name, value]) => [
        auditText(name),
        auditText(value),
      ]),
    );
    return [
      entry.operatorId ?? null,
      entry.claimedOperatorId === undefined
        ? null
        : auditText(entry.claimedOperatorId.slice(0, claimedOperatorIdLengthMax)),
      entry.action,
      auditText(entry.httpMethod),
      auditText(entry.path),
      JSON.stringify(targetParams),
      auditText(entry.requestId),
      activeTraceId() ?? null,
    ];
  }
}
