import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { type SqlPool } from '@settle/messaging';
import { type Clock, CLOCK, type Logger, PLATFORM_LOGGER, SQL_POOL } from '@settle/platform';
import {
  checkpointBoundary,
  oldestOpenTransactionStart,
  writeBalanceCheckpoints,
} from './write-balance-checkpoints';

/** How often the ledger looks for a new settled boundary (a round runs once per boundary, i.e. about hourly). */
export const checkpointRoundIntervalMs = 5 * 60_000;

/**
 * Writes balance checkpoints in the background, off the settlement path (docs/ledger.md,
 * "Point-in-time balances"): every round, the accounts with enough postings since their latest
 * checkpoint get one at the latest boundary that is settled. Replicas may run rounds at once: rows
 * are functions of the journal, inserted with ON CONFLICT DO NOTHING. A round in flight is not
 * overtaken by the next, and stops between accounts on shutdown.
 */
@Injectable()
export class BalanceCheckpointWriter implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private stopping = false;
  /** The boundary the last complete round covered: a round pages through every account, so once a boundary is enough. */
  private completedBoundary = 0;

  constructor(
    @Inject(SQL_POOL) private readonly pool: SqlPool,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PLATFORM_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (this.running !== undefined) return;
      this.running = this.writeOnce()
        .catch((error: unknown) => {
          this.logger.warn({ err: error }, 'balance checkpoint round failed; retrying next round');
          return 0;
        })
        .finally(() => (this.running = undefined));
    }, checkpointRoundIntervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a round in flight (it stops after its current account). */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** One round at the latest settled boundary (none when this replica already covered it); returns how many checkpoints it wrote. */
  async writeOnce(): Promise<number> {
    const oldest = await oldestOpenTransactionStart(this.pool);
    const now = this.clock.now();
    const asOf = checkpointBoundary(now, oldest);
    if (asOf.getTime() <= this.completedBoundary) return 0;
    const written = await writeBalanceCheckpoints(this.pool, asOf, {
      now,
      shouldStop: () => this.stopping,
    });
    if (!this.stopping) this.completedBoundary = asOf.getTime();
    if (written > 0)
      this.logger.info({ written, asOf: asOf.toISOString() }, 'wrote balance checkpoints');
    return written;
  }
}
