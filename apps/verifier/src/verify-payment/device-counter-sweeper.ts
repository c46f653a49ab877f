import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { type SqlExecutor, type SqlPool } from '@settle/messaging';
import {
  type Clock,
  CLOCK,
  type Logger,
  PLATFORM_LOGGER,
  SERVICE_CONFIG,
  SQL_POOL,
} from '@settle/platform';
import { type VerifierSettings } from '../config';

/** How often used device counters past their retention are deleted. */
export const deviceCounterSweepIntervalMs = 600_000;
/** Counters deleted per statement: each DELETE stays short and holds few locks. */
export const deviceCounterSweepBatchMax = 5_000;
/** Statements per round at most (the rest wait for the next round): a backlog never occupies a connection for long. */
export const deviceCounterSweepBatchesPerRoundMax = 100;
/**
 * Kept this long past the presentment window. A counter must stay known while a transaction approved
 * at the same time can still pass rule 9, which measures from the upload's receipt time: this margin
 * covers the time between an upload and its verification (consumer lag, retries, a dead letter
 * replayed the next day) and the clocks of the replica that stamped the upload and the one sweeping
 * (SETTLE_VERIFIER_CLOCK_SKEW_MS is at most 15 minutes).
 */
export const deviceCounterRetentionMarginMs = 24 * 3_600_000;

/** The oldest approval time whose counter is still kept at `now`. */
export function deviceCounterRetentionCutoff(now: Date, presentmentWindowMs: number): Date {
  return new Date(now.getTime() - presentmentWindowMs - deviceCounterRetentionMarginMs);
}

/**
 * Deletes up to `batchMax` counters approved before `cutoff` in one statement (index
 * `verifier_device_counters_approved`); returns how many. Rows another sweeper holds are skipped.
 */
export async function deleteDeviceCountersBefore(
  sql: SqlExecutor,
  cutoff: Date,
  batchMax: number,
): Promise<number> {
  const { rows } = await sql.query<{ deleted: number }>(
    `WITH doomed AS (
       SELECT device_id, device_counter FROM verifier_device_counters WHERE approved_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED
     ), deleted AS (
       DELETE FROM verifier_device_counters c USING doomed d WHERE c.device_id = d.device_id AND c.device_counter = d.device_counter RETURNING 1
     )
     SELECT count(*)::int AS deleted FROM deleted`,
    [cutoff, batchMax],
  );
  return rows[0]?.deleted ?? 0;
}

/**
 * Deletes used device counters once no transaction approved as early can pass the presentment
 * window any more (DESIGN §5: kept for the window, not forever). Safe because rule 9
 * (PRESENTMENT_WINDOW_EXCEEDED) rejects such an approval before the counter rule reads the table.
 * Replicas may sweep at once (`SKIP LOCKED`); a round stops between statements on shutdown.
 */
@Injectable()
export class DeviceCounterSweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private stopping = false;

  constructor(
    @Inject(SQL_POOL) private readonly pool: SqlPool,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SERVICE_CONFIG) private readonly config: VerifierSettings,
    @Inject(PLATFORM_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      // A round still going (a large backlog) is not overtaken by the next one.
      if (this.running !== undefined) return;
      this.running = this.sweepOnce()
        .catch((error: unknown) => {
          this.logger.warn({ err: error }, 'device counter sweep failed; retrying next round');
          return 0;
        })
        .finally(() => (this.running = undefined));
    }, deviceCounterSweepIntervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a round in flight (it stops after its current statement) before the pool closes. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** One round: statements of `batchMax` until fewer are left, the round's cap, or shutdown. Returns how many were deleted. */
  async sweepOnce(batchMax = deviceCounterSweepBatchMax): Promise<number> {
    const cutoff = deviceCounterRetentionCutoff(
      this.clock.now(),
      this.config.SETTLE_VERIFIER_PRESENTMENT_WINDOW_MS,
    );
    let deleted = 0;
    for (let batch = 0; batch < deviceCounterSweepBatchesPerRoundMax && !this.stopping; batch++) {
      const count = await deleteDeviceCountersBefore(this.pool, cutoff, batchMax);
      deleted += count;
      if (count < batchMax) break;
    }
    if (deleted > 0)
      this.logger.info(
        { deleted, approvedBefore: cutoff.toISOString() },
        'deleted device counters past the presentment window',
      );
    return deleted;
  }
}
