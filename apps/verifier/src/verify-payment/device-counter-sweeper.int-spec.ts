// The device-counter sweeper on the real PostgreSQL: counters approved before the presentment window
// plus the margin are deleted in bounded statements, the ones at or after that instant kept; the
// service runs it (wired in the module), and a sweeper shutting down deletes nothing more.
import {
  type Clock,
  type Logger,
  PLATFORM_LOGGER,
  SERVICE_CONFIG,
  SQL_POOL,
} from '@settle/platform';
import { type VerifierSettings } from '../config';
import { uniqueId } from '../testing/payment-world';
import { startVerifier, type VerifierTestKit } from '../testing/verifier-test-kit';
import {
  DeviceCounterSweeper,
  deviceCounterRetentionCutoff,
  deviceCounterRetentionMarginMs,
} from './device-counter-sweeper';

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;
/** The smallest window the configuration allows. */
const presentmentWindowMs = hourMs;

describe('DeviceCounterSweeper', () => {
  let kit: VerifierTestKit;

  beforeAll(async () => {
    kit = await startVerifier({
      SETTLE_VERIFIER_PRESENTMENT_WINDOW_MS: String(presentmentWindowMs),
    });
  });

  afterAll(async () => {
    await kit?.stop();
  });

  /** A sweeper of the running service's database and settings, with its clock pinned at `now`. */
  function pinnedSweeper(now: Date): DeviceCounterSweeper {
    const app = kit.test.service.app;
    const clock: Clock = { now: () => new Date(now) };
    return new DeviceCounterSweeper(
      app.get(SQL_POOL),
      clock,
      app.get<VerifierSettings>(SERVICE_CONFIG, { strict: false }),
      app.get<Logger>(PLATFORM_LOGGER, { strict: false }),
    );
  }

  /** Inserts one counter per approval time (counters 1, 2, …) for a fresh device; returns the device id. */
  async function insertCounters(approvedAt: readonly Date[]): Promise<string> {
    const deviceId = uniqueId('dev');
    for (const [index, at] of approvedAt.entries()) {
      await kit.query(
        'INSERT INTO verifier_device_counters (device_id, device_counter, transaction_id, approved_at) VALUES ($1, $2, $3, $4)',
        [deviceId, index + 1, uniqueId('txn'), at],
      );
    }
    return deviceId;
  }

  async function countersOf(deviceId: string): Promise<string[]> {
    const rows = await kit.query<{ counter: string }>(
      'SELECT device_counter::text AS counter FROM verifier_device_counters WHERE device_id = $1 ORDER BY device_counter',
      [deviceId],
    );
    return rows.map((row) => row.counter);
  }

  it('deletes the counters approved before now − window − margin, in statements of batchMax, and keeps the rest', async () => {
    const now = new Date('2031-06-01T12:00:00.000Z');
    const cutoff = deviceCounterRetentionCutoff(now, presentmentWindowMs);
    expect(cutoff.getTime()).toBe(
      now.getTime() - presentmentWindowMs - deviceCounterRetentionMarginMs,
    );
    const old = [1, 2, 3, 4, 5, 6].map((days) => new Date(cutoff.getTime() - days * dayMs));
    const deviceId = await insertCounters([
      ...old,
      new Date(cutoff.getTime() - 1),
      cutoff,
      new Date(now.getTime() - hourMs),
      now,
    ]);

    const sweeper = pinnedSweeper(now);
    // Seven past the cutoff, three per statement: three statements in one round.
    expect(await sweeper.sweepOnce(3)).toBe(7);
    expect(await countersOf(deviceId)).toEqual(['8', '9', '10']);
    expect(await sweeper.sweepOnce(3)).toBe(0);
    expect(
      kit.test.logs.lines.filter(
        (line) => line['msg'] === 'deleted device counters past the presentment window',
      ),
    ).toEqual([expect.objectContaining({ deleted: 7, approvedBefore: cutoff.toISOString() })]);
  });

  it('runs in the service, on the service’s clock and presentment window', async () => {
    const now = Date.now();
    const deviceId = await insertCounters([
      new Date(now - 30 * dayMs),
      new Date(now - presentmentWindowMs - deviceCounterRetentionMarginMs - hourMs),
      new Date(now - 2 * hourMs),
      new Date(now),
    ]);
    const sweeper = kit.test.service.app.get(DeviceCounterSweeper);
    expect(await sweeper.sweepOnce()).toBeGreaterThanOrEqual(2);
    expect(await countersOf(deviceId)).toEqual(['3', '4']);
  });

  it('deletes nothing more once shutting down', async () => {
    const now = new Date('2031-06-01T12:00:00.000Z');
    const sweeper = pinnedSweeper(now);
    await sweeper.beforeApplicationShutdown();
    const deviceId = await insertCounters([new Date(now.getTime() - 30 * dayMs)]);
    expect(await sweeper.sweepOnce()).toBe(0);
    expect(await countersOf(deviceId)).toEqual(['1']);
  });
});
