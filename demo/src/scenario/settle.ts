// The online half: terminals upload what they queued in batches over their bound sessions, then poll
// their confirmations (verifying each offline) until every stored transaction is final; afterwards
// each transaction's times are read from the verifier (GET /v1/transactions/{id}).
import { randomBytes } from 'node:crypto';
import {
  type DeviceSession,
  fetchConfirmations,
  fetchTransactionStatus,
  isDeviceSessionError,
  type UploadReceipt,
  uploadTransactions,
} from '@settle/device-session';
import { type Progress } from '../progress/progress';
import {
  type Endpoints,
  finalStatuses,
  mapConcurrently,
  sleep,
  type Terminal,
  uploadWhenGuardReady,
} from '../world';
import { type Case, type DemoSpan, type ScenarioResult } from './model';

/** Retries of an item refused as retryable (a key the verifier has not projected yet), one a second. */
export const retryableRefusalRetriesMax = 30;
/** Retries of an upload request the verifier's rate limit refused (429), each after its Retry-After. */
export const rateLimitedRetriesMax = 10;
/** Status reads at once when the run is over. */
export const statusReadsInParallelMax = 4;
/** Pause between two rounds of confirmation polling. */
export const confirmationPollMs = 500;
/** The demo terminal's name in traces. */
export const demoTerminalService = 'demo terminal';

export type UploadRecord = ScenarioResult['uploads'][number];

/** A W3C trace context: a new span in `traceId` (a new trace without it). */
export function newTraceContext(traceId = randomBytes(16).toString('hex')): {
  traceId: string;
  spanId: string;
  traceparent: string;
} {
  const spanId = randomBytes(8).toString('hex');
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

/** One upload request of `batch` by its terminal; receipts land on the cases. Retries 401 (guard not ready) and 429. */
export async function uploadBatch(
  endpoints: Endpoints,
  terminal: Terminal,
  batch: readonly Case[],
  wave: 1 | 2,
  traceparent?: string,
): Promise<{ record: UploadRecord; receipts: UploadReceipt[] }> {
  const items = batch.map((entry) => ({ bytes: entry.bytes, entry }));
  const options = {
    verifier: endpoints.verifier,
    ...(traceparent ? { headers: { traceparent } } : {}),
  };
  for (let attempt = 0; ; attempt++) {
    try {
      const result = await uploadWhenGuardReady(() =>
        uploadTransactions(terminal.session, items, options),
      );
      const receipts = result.transactions.map((uploaded) => uploaded.receipt);
      const refused = receipts.filter((receipt) => receipt.status === 'refused').length;
      return {
        record: {
          terminalId: terminal.terminalId,
          batchId: result.batches.map((b) => b.batchId).join(','),
          size: batch.length,
          refused,
          wave,
        },
        receipts,
      };
    } catch (error) {
      if (!isDeviceSessionError(error) || error.status !== 429 || attempt >= rateLimitedRetriesMax)
        throw error;
      await sleep(error.retryAfterMs ?? 1_000);
    }
  }
}

/**
 * Uploads `cases` of one terminal in batches of `batchSize`; refusals are final outcomes, retryable
 * ones (CONSUMER_KEY_UNKNOWN, TERMINAL_KEY_UNKNOWN: the verifier's projection lags) go up again.
 */
export async function uploadInBatches(
  endpoints: Endpoints,
  terminal: Terminal,
  cases: readonly Case[],
  batchSize: number,
  wave: 1 | 2,
  records: UploadRecord[],
  log: (line: string) => void,
): Promise<void> {
  let pending = [...cases];
  for (let round = 0; pending.length > 0; round++) {
    const retry: Case[] = [];
    for (let start = 0; start < pending.length; start += batchSize) {
      const batch = pending.slice(start, start + batchSize);
      const { record, receipts } = await uploadBatch(endpoints, terminal, batch, wave);
      records.push(record);
      receipts.forEach((receipt, index) => {
        const entry = batch[index]!;
        if (receipt.status === 'accepted') return;
        if (receipt.retryable && round < retryableRefusalRetriesMax) retry.push(entry);
        else
          entry.outcome = {
            state: 'refused',
            code: receipt.code ?? 'UNKNOWN',
            uploadedAt: null,
            decidedAt: null,
            settledAt: null,
          };
      });
    }
    if (retry.length > 0) {
      log(
        `  ${retry.length} upload(s) refused as retryable (the verifier has not seen a key yet): again in 1 s`,
      );
      await sleep(1_000);
    }
    pending = retry;
  }
}

/** What the terminals' confirmation polling learnt: each transaction's confirmed state, and how many verified offline. */
export interface ConfirmationTally {
  readonly confirmed: Map<string, { status: string; reasonCode: string | null }>;
  readonly cursors: Map<string, string>;
  verified: number;
  listed: number;
}

export function newConfirmationTally(): ConfirmationTally {
  return { confirmed: new Map(), cursors: new Map(), verified: 0, listed: 0 };
}

/**
 * Polls every terminal's confirmations (each handed to its POS SDK, which verifies it offline and
 * takes the transaction off its queue) until every id in `awaited` (all waves so far: the progress
 * counts them) is confirmed or `timeoutMs` passes. `onConfirmed` runs once per new confirmation.
 */
export async function untilConfirmed(
  endpoints: Endpoints,
  terminals: readonly Terminal[],
  awaited: ReadonlySet<string>,
  tally: ConfirmationTally,
  progress: Progress,
  timeoutMs: number,
  onConfirmed: (transactionId: string) => Promise<void> | void = () => undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const confirmedCount = () => [...awaited].filter((id) => tally.confirmed.has(id)).length;
  while (confirmedCount() < awaited.size) {
    if (Date.now() > deadline) return;
    for (const terminal of terminals) {
      const fetched = await fetchConfirmations(terminal.session, terminal.pos, {
        verifier: endpoints.verifier,
        after: tally.cursors.get(terminal.terminalId) ?? '0',
      });
      tally.cursors.set(terminal.terminalId, fetched.nextCursor);
      for (const confirmation of fetched.confirmations) {
        tally.listed += 1;
        if (confirmation.result.ok) tally.verified += 1;
        if (!tally.confirmed.has(confirmation.transactionId)) {
          tally.confirmed.set(confirmation.transactionId, {
            status: confirmation.status,
            reasonCode: confirmation.reasonCode,
          });
          await onConfirmed(confirmation.transactionId);
        }
      }
    }
    progress.set(confirmedCount());
    if (confirmedCount() < awaited.size) await sleep(confirmationPollMs);
  }
}

/** Reads each stored case's final state and times from the verifier, as its terminal sees them. */
export async function readOutcomes(endpoints: Endpoints, cases: readonly Case[]): Promise<void> {
  await mapConcurrently(
    cases.filter((entry) => entry.outcome?.state !== 'refused'),
    statusReadsInParallelMax,
    async (entry) => {
      const status = await fetchTransactionStatus(entry.terminal.session, entry.transactionId, {
        verifier: endpoints.verifier,
      });
      const state =
        status && finalStatuses.includes(status.status)
          ? (status.status as 'settled' | 'rejected' | 'settlement-failed')
          : 'pending';
      entry.outcome = {
        state,
        code: status?.reasonCode ?? null,
        uploadedAt: status?.uploadedAt ?? null,
        decidedAt: status?.decidedAt ?? null,
        settledAt: status?.settledAt ?? null,
      };
    },
  );
}

/**
 * The POS reads the traced payment's outcome and signed confirmation in the payment's trace, so the
 * trace ends with it; returns the demo's client span.
 */
export async function tracedStatusRead(
  endpoints: Endpoints,
  session: DeviceSession,
  transactionId: string,
  traceId: string,
): Promise<DemoSpan> {
  const context = newTraceContext(traceId);
  const startMs = Date.now();
  await fetchTransactionStatus(session, transactionId, {
    verifier: endpoints.verifier,
    headers: { traceparent: context.traceparent },
  });
  return clientSpan(
    context,
    'GET /v1/transactions/{id}: reads the signed confirmation',
    startMs,
    Date.now(),
    { 'settle.transaction_id': transactionId },
  );
}

export function clientSpan(
  context: { traceId: string; spanId: string },
  name: string,
  startMs: number,
  endMs: number,
  attributes: DemoSpan['attributes'],
): DemoSpan {
  return {
    traceId: context.traceId,
    spanId: context.spanId,
    parentSpanId: null,
    service: demoTerminalService,
    name,
    kind: 3,
    startMs,
    endMs,
    attributes,
    statusCode: 0,
  };
}
