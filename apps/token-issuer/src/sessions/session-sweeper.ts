import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { inTransaction, Outbox, requestCause, type SqlPool } from '@settle/messaging';
import {
  type Clock,
  CLOCK,
  deleteIdleRateLimitBuckets,
  type Logger,
  PLATFORM_LOGGER,
  SQL_POOL,
} from '@settle/platform';
import { pruneDpopProofIds } from '@settle/resource-guard';
import { sessionEndedEvent } from './session-events';

/** How often sessions past their maximum age are ended, idle rate-limit buckets dropped and expired DPoP proof ids pruned. */
export const sessionSweepIntervalMs = 60_000;
/** Sessions ended per sweep transaction (the rest wait for the next round). */
export const sessionSweepBatchMax = 500;
/** A rate-limit bucket untouched this long is full again and can go. */
export const rateLimitBucketIdleMaxMs = 3_600_000;

/**
 * Ends sessions whose maximum age passed without a refresh (`session.ended`, reason `max-age`, through the
 * outbox), drops idle rate-limit buckets and prunes expired DPoP proof ids. Replicas may sweep at once: rows are claimed with
 * `FOR UPDATE SKIP LOCKED`.
 */
@Injectable()
export class SessionSweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(SQL_POOL) private readonly pool: SqlPool,
    private readonly outbox: Outbox,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PLATFORM_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.sweepOnce().catch((error: unknown) =>
        this.logger.warn({ err: error }, 'session sweep failed; retrying next round'),
      );
    }, sessionSweepIntervalMs);
    this.timer.unref();
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** One round; returns the ids of the sessions it ended. */
  async sweepOnce(): Promise<string[]> {
    const now = this.clock.now();
    const ended = await inTransaction(this.pool, async (sql) => {
      const { rows } = await sql.query<{ session_id: string }>(
        `UPDATE token_issuer_sessions SET ended_at = $1, end_reason = 'max-age'
         WHERE session_id IN (SELECT session_id FROM token_issuer_sessions WHERE ended_at IS NULL AND expires_at <= $1 ORDER BY expires_at LIMIT ${sessionSweepBatchMax} FOR UPDATE SKIP LOCKED)
         RETURNING session_id`,
        [now],
      );
      const sessionIds = rows.map((row) => row.session_id).sort();
      // A root cause: no request or event caused it, the clock did.
      const cause = requestCause(undefined, now.toISOString());
      if (sessionIds.length > 0)
        await this.outbox.append(
          sql,
          sessionIds.map((sessionId) => sessionEndedEvent(sessionId, 'max-age', cause)),
        );
      return sessionIds;
    });
    await deleteIdleRateLimitBuckets(this.pool, new Date(now.getTime() - rateLimitBucketIdleMaxMs));
    await pruneDpopProofIds(this.pool);
    if (ended.length > 0)
      this.logger.info({ ended: ended.length }, 'ended sessions past their maximum age');
    return ended;
  }
}
