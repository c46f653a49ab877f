// The terminals' side of a load run: payment i falls due at start + i / rate, and each terminal
// uploads what fell due in batches over its bound session (device-session uploadTransactions), as a
// POS does: it keeps a transaction in its queue until a receipt says accepted, and tries again after
// whatever a fault makes fail — connection refused or reset, 5xx, 429 (after Retry-After), 401 while
// a restarted verifier's guard reloads its keys, receipts refused as retryable.
import { isDeviceSessionError, uploadTransactions } from '@settle/device-session';
import { type Endpoints, sleep, type Terminal } from '@settle/demo';
import { type LoadWorld } from './onboard';
import { type PreparedPayment } from './payments';

/** A terminal sends a smaller batch once its oldest due payment waited this long. */
export const batchWaitMaxMs = 1_000;
/** Pause before the next attempt after a failed request without Retry-After. */
export const uploadRetryPauseMs = 500;
/** Pause after a 401 (the verifier's guard learns binding keys about once a second). */
export const unauthorizedRetryPauseMs = 250;

export interface DriveOptions {
  readonly ratePerSecond: number;
  /** Most transactions per upload request (the verifier takes at most 100). */
  readonly batchSize: number;
  /** The driver gives up on what is still queued this long after the start. */
  readonly timeoutMs: number;
}

/** Why an upload request was tried again. */
export type RetryCause =
  'connection' | 'unauthorized' | 'rate-limited' | 'server-error' | 'session' | 'other';

export interface DriveResult {
  readonly startedAt: number;
  readonly endedAt: number;
  /** Per transaction id: when its accepted receipt arrived (epoch ms). */
  readonly acceptedAt: ReadonlyMap<string, number>;
  /** Transactions refused for good, with the code (none in an honest run). */
  readonly refused: ReadonlyMap<string, string>;
  /** Still queued when the driver gave up. */
  readonly unaccepted: readonly string[];
  /** Upload requests that answered (202). */
  readonly requests: number;
  /** Accepted receipts marked duplicate (a retried batch stored before the failure). */
  readonly duplicateReceipts: number;
  /** Items refused as retryable and sent again. */
  readonly retryableRefusals: number;
  readonly retries: Readonly<Record<RetryCause, number>>;
}

/** Uploads `payments` at `ratePerSecond`, each terminal its own, until every one is accepted or refused. */
export async function driveUploads(
  endpoints: Endpoints,
  world: LoadWorld,
  payments: readonly PreparedPayment[],
  options: DriveOptions,
): Promise<DriveResult> {
  const startedAt = Date.now();
  const tally: Tally = {
    acceptedAt: new Map(),
    refused: new Map(),
    requests: 0,
    duplicateReceipts: 0,
    retryableRefusals: 0,
    retries: {
      connection: 0,
      unauthorized: 0,
      'rate-limited': 0,
      'server-error': 0,
      session: 0,
      other: 0,
    },
  };
  const schedule: Schedule = {
    startedAt,
    intervalMs: 1_000 / options.ratePerSecond,
    deadline: startedAt + options.timeoutMs,
    batchSize: options.batchSize,
  };
  const queues = await Promise.all(
    world.terminals.map((terminal) =>
      driveTerminal(
        endpoints,
        terminal,
        payments.filter((payment) => payment.terminalId === terminal.terminalId),
        schedule,
        tally,
      ),
    ),
  );
  return {
    startedAt,
    endedAt: Date.now(),
    ...tally,
    unaccepted: queues.flat().map((payment) => payment.transactionId),
  };
}

interface Schedule {
  readonly startedAt: number;
  readonly intervalMs: number;
  readonly deadline: number;
  readonly batchSize: number;
}

interface Tally {
  readonly acceptedAt: Map<string, number>;
  readonly refused: Map<string, string>;
  requests: number;
  duplicateReceipts: number;
  retryableRefusals: number;
  readonly retries: Record<RetryCause, number>;
}

/** One terminal's loop; returns what is still queued at the deadline. */
async function driveTerminal(
  endpoints: Endpoints,
  terminal: Terminal,
  own: readonly PreparedPayment[],
  schedule: Schedule,
  tally: Tally,
): Promise<PreparedPayment[]> {
  let queue = [...own];
  let restartSession = false;
  while (queue.length > 0 && Date.now() < schedule.deadline) {
    const next = nextBatch(queue, schedule, Date.now());
    if ('waitMs' in next) {
      await sleep(next.waitMs);
      continue;
    }
    const due = next.batch;
    try {
      if (restartSession) {
        await terminal.session.start();
        restartSession = false;
      }
      const result = await uploadTransactions(terminal.session, due, {
        verifier: endpoints.verifier,
      });
      tally.requests += result.batches.length;
      const done = new Set<PreparedPayment>();
      for (const { item, receipt } of result.transactions) {
        if (receipt.status === 'accepted') {
          tally.acceptedAt.set(item.transactionId, Date.now());
          if (receipt.duplicate) tally.duplicateReceipts += 1;
          done.add(item);
        } else if (receipt.retryable) {
          tally.retryableRefusals += 1;
        } else {
          tally.refused.set(item.transactionId, receipt.code ?? 'UNKNOWN');
          done.add(item);
        }
      }
      queue = queue.filter((payment) => !done.has(payment));
      if (done.size < due.length) await sleep(uploadRetryPauseMs);
    } catch (error) {
      const cause = retryCauseOf(error);
      tally.retries[cause] += 1;
      if (cause === 'session') restartSession = true;
      await sleep(pauseAfter(error, cause));
    }
  }
  return queue;
}

/**
 * The due payments at the head of the queue, once a full batch is due, or the oldest waited
 * {@link batchWaitMaxMs}, or nothing more will come; otherwise how long to wait for that.
 */
function nextBatch(
  queue: readonly PreparedPayment[],
  schedule: Schedule,
  now: number,
): { batch: PreparedPayment[] } | { waitMs: number } {
  const dueAt = (payment: PreparedPayment) =>
    schedule.startedAt + payment.index * schedule.intervalMs;
  const due = queue.filter((payment) => dueAt(payment) <= now).slice(0, schedule.batchSize);
  if (due.length === 0) return { waitMs: dueAt(queue[0]!) - now };
  const notYetDue = queue[due.length];
  if (
    due.length === schedule.batchSize ||
    notYetDue === undefined ||
    now - dueAt(due[0]!) >= batchWaitMaxMs
  )
    return { batch: due };
  return { waitMs: Math.max(1, Math.min(dueAt(notYetDue), dueAt(due[0]!) + batchWaitMaxMs) - now) };
}

/** Classifies a failed upload request; throws what no retry can fix (a 4xx refusal of the request). */
function retryCauseOf(error: unknown): RetryCause {
  if (!isDeviceSessionError(error)) return 'other';
  if (error.code === 'ERR_CONNECTION_FAILED') return 'connection';
  if (error.code === 'ERR_SESSION_REFUSED' || error.code === 'ERR_NO_SESSION') return 'session';
  if (error.status === 401) return 'unauthorized';
  if (error.status === 429) return 'rate-limited';
  if (error.status !== undefined && error.status >= 500) return 'server-error';
  if (error.retriable || error.status === undefined) return 'other';
  throw error;
}

function pauseAfter(error: unknown, cause: RetryCause): number {
  if (cause === 'unauthorized') return unauthorizedRetryPauseMs;
  return (isDeviceSessionError(error) ? error.retryAfterMs : undefined) ?? uploadRetryPauseMs;
}
