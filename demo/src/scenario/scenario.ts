// The demo scenario against four running services: enrol the cast (attested keys), make the payments
// offline over sound, upload them in batches over bound sessions, wait for settlement and the signed
// confirmations, and check the balances against the ledger. Returns what the summary and the report
// show. The same code runs against `npm start`'s processes and against in-process services in tests.
import { formatTransactionId } from '@settle/protocol';
import { fetchConfirmations, uploadPendingTransactions } from '@settle/device-session';
import { type SoundModem } from '@settle/sound-link';
import { Progress, type ProgressOutput } from '../progress/progress';
import {
  type Endpoints,
  expectStatus,
  type KeyAttestor,
  ledgerAdmin,
  mapConcurrently,
  type Terminal,
  uploadWhenGuardReady,
} from '../world';
import { type Cast, enrolCast, enrolmentSteps, feeOf, revokeLostPhone } from './cast';
import {
  type BalanceCheck,
  type Case,
  type DemoSpan,
  type ScenarioCounts,
  type ScenarioResult,
} from './model';
import { attackSteps, makePayments, recordingFiles } from './payments';
import {
  clientSpan,
  type ConfirmationTally,
  newConfirmationTally,
  newTraceContext,
  readOutcomes,
  statusReadsInParallelMax,
  tracedStatusRead,
  uploadBatch,
  uploadInBatches,
  type UploadRecord,
  untilConfirmed,
} from './settle';

/** Base of the wait for confirmations, plus {@link confirmationWaitPerTransactionMs} per transaction. */
export const confirmationWaitBaseMs = 60_000;
export const confirmationWaitPerTransactionMs = 200;

export interface ScenarioOptions {
  readonly endpoints: Endpoints;
  readonly modem: SoundModem;
  /** How the devices' keys are attested (the demo: android-key evidence from its test CA). */
  readonly attestor: KeyAttestor;
  /** What the console shows about the attestation (the CA's label). */
  readonly attestationLabel: string;
  readonly counts: ScenarioCounts;
  /** Where the traced payment's recordings go. */
  readonly outputDirectory: string;
  /** Where progress bars and lines go (a TTY gets bars). */
  readonly output: ProgressOutput;
  readonly tty?: boolean;
}

export async function runScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const { endpoints, counts, output } = options;
  const log = (line: string) => void output.write(`${line}\n`);
  const phases: Array<{ name: string; ms: number }> = [];
  const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    try {
      return await work();
    } finally {
      phases.push({ name, ms: Date.now() - started });
    }
  };
  const progress = (label: string, total: number) =>
    new Progress(output, label, total, options.tty === undefined ? {} : { tty: options.tty });

  const cast = await timed('enrolment', async () => {
    const bar = progress('enrolment', enrolmentSteps(counts));
    const enrolled = await enrolCast(endpoints, options.attestor, counts, bar);
    bar.finish(`keys attested by ${options.attestationLabel}`);
    return enrolled;
  });
  await revokeLostPhone(endpoints, cast.lostPhone);
  log(
    `  the lost phone's key is revoked (device-lost) while the phone is offline: it will still pay`,
  );

  const cases = await timed('payments', async () => {
    const bar = progress('payments', counts.payments + attackSteps);
    const made = await makePayments(options.modem, cast, counts, options.outputDirectory, bar);
    bar.finish('request and authorization of each went over sound');
    return made;
  });

  const { uploads, tally, clientSpans } = await timed('uploads and settlement', () =>
    uploadAndSettle(endpoints, cast, cases, counts.batchSize, progress),
  );
  await readOutcomes(endpoints, cases);
  const phonesConfirmations = await phoneConfirmations(endpoints, cast, cases);
  const balances = await checkBalances(endpoints, cast, cases);
  return {
    merchant: cast.merchant,
    terminals: cast.terminals,
    phones: [...cast.phones, cast.lostPhone, cast.cappedPhone],
    cases,
    balances,
    confirmations: {
      terminalsVerified: tally.verified,
      terminalsListed: tally.listed,
      ...phonesConfirmations,
      queuesEmpty: cast.terminals.every((terminal) => terminal.pos.pendingUploads().length === 0),
    },
    traced: {
      transactionId: cases[0]!.transactionId,
      traceId: clientSpans[0]!.traceId,
      clientSpans,
    },
    recordings: recordingFiles,
    uploads,
    phases,
  };
}

/**
 * The online half: the traced payment goes up alone with a trace context, the other honest payments in
 * batches from every terminal; once their confirmations are in, the attacks; then the wait for theirs.
 */
async function uploadAndSettle(
  endpoints: Endpoints,
  cast: Cast,
  cases: Case[],
  batchSize: number,
  progress: (label: string, total: number) => Progress,
): Promise<{ uploads: UploadRecord[]; tally: ConfirmationTally; clientSpans: DemoSpan[] }> {
  const uploads: UploadRecord[] = [];
  const tally = newConfirmationTally();
  const clientSpans: DemoSpan[] = [];
  const first = cast.terminals[0]!;
  const traced = cases[0]!;
  // The verifier's spans join this trace (its HTTP server continues the traceparent).
  const context = newTraceContext();
  const startMs = Date.now();
  const { record } = await uploadBatch(endpoints, first, [traced], 1, context.traceparent);
  uploads.push(record);
  clientSpans.push(
    clientSpan(context, 'POST /v1/uploads: one payment', startMs, Date.now(), {
      'settle.transaction_id': traced.transactionId,
      'settle.batch_size': 1,
    }),
  );
  const waveOne = cases.filter((entry) => entry.wave === 1 && entry !== traced);
  const awaited = storedIds(cases.filter((entry) => entry.wave === 1));
  const bar = progress(
    'settlement',
    awaited.size + storedIds(cases.filter((entry) => entry.wave === 2)).size,
  );
  const log = (line: string) => bar.log(line);
  await Promise.all(
    cast.terminals.map((terminal) =>
      uploadInBatches(endpoints, terminal, queued(terminal, waveOne), batchSize, 1, uploads, log),
    ),
  );
  const onConfirmed = async (transactionId: string) => {
    if (transactionId === traced.transactionId)
      clientSpans.push(
        await tracedStatusRead(endpoints, first.session, transactionId, context.traceId),
      );
  };
  await untilConfirmed(
    endpoints,
    cast.terminals,
    awaited,
    tally,
    bar,
    confirmationWait(awaited.size),
    onConfirmed,
  );
  bar.log('  honest payments final; now the attacks (uploaded once the originals are settled)');
  await uploadAttacks(endpoints, cast, cases, uploads, batchSize);
  const all = storedIds(cases);
  bar.grow(all.size);
  await untilConfirmed(
    endpoints,
    cast.terminals,
    all,
    tally,
    bar,
    confirmationWait(all.size),
    onConfirmed,
  );
  bar.finish(`${tally.verified} confirmations verified offline by the terminals`);
  return { uploads, tally, clientSpans };
}

/** The cases a terminal's queue holds, in queue order (what the POS would upload). */
function queued(terminal: Terminal, cases: readonly Case[]): Case[] {
  const byId = new Map(
    cases
      .filter((entry) => entry.terminal === terminal)
      .map((entry) => [entry.transactionId, entry]),
  );
  return terminal.pos
    .pendingUploads()
    .map((entry) => byId.get(formatTransactionId(entry.transactionId)))
    .filter((entry): entry is Case => entry !== undefined);
}

/** Ids of the cases not refused at upload (stored at the verifier: they get a confirmation). */
function storedIds(cases: readonly Case[]): Set<string> {
  return new Set(
    cases
      .filter((entry) => entry.outcome?.state !== 'refused' && entry.expected.state !== 'refused')
      .map((entry) => entry.transactionId),
  );
}

const confirmationWait = (count: number) =>
  confirmationWaitBaseMs + count * confirmationWaitPerTransactionMs;

/**
 * Wave 2: each terminal uploads its whole queue with the payment client (`uploadPendingTransactions`:
 * after wave 1's confirmations it holds only the attacks made at it), and the first terminal also
 * the transactions a tampered terminal builds outside its SDK.
 */
async function uploadAttacks(
  endpoints: Endpoints,
  cast: Cast,
  cases: Case[],
  uploads: UploadRecord[],
  batchSize: number,
): Promise<void> {
  const attacks = cases.filter((entry) => entry.wave === 2);
  for (const terminal of cast.terminals) {
    const mine = attacks.filter((entry) => entry.terminal === terminal);
    const inQueue = queued(terminal, mine);
    if (terminal.pos.pendingUploads().length > 0) {
      const result = await uploadWhenGuardReady(() =>
        uploadPendingTransactions(terminal.session, terminal.pos, { verifier: endpoints.verifier }),
      );
      uploads.push({
        terminalId: terminal.terminalId,
        batchId: result.batches.map((batch) => batch.batchId).join(','),
        size: result.transactions.length,
        refused: 0,
        wave: 2,
      });
      for (const { receipt } of result.transactions) {
        const entry = inQueue.find(
          (candidate) => candidate.transactionId === receipt.transactionId,
        );
        if (entry && receipt.status === 'refused')
          entry.outcome = {
            state: 'refused',
            code: receipt.code ?? 'UNKNOWN',
            uploadedAt: null,
            decidedAt: null,
            settledAt: null,
          };
      }
    }
    const crafted = mine.filter((entry) => !inQueue.includes(entry));
    if (crafted.length > 0)
      await uploadInBatches(endpoints, terminal, crafted, batchSize, 2, uploads, () => undefined);
  }
}

/** Phones fetch their confirmations; their wallets verify those of the payments they approved. */
async function phoneConfirmations(
  endpoints: Endpoints,
  cast: Cast,
  cases: readonly Case[],
): Promise<{ phonesVerified: number; phonesExpected: number }> {
  let phonesVerified = 0;
  for (const phone of [...cast.phones, cast.lostPhone, cast.cappedPhone]) {
    const fetched = await fetchConfirmations(phone.session, phone.wallet, {
      verifier: endpoints.verifier,
    });
    phonesVerified += fetched.confirmations.filter((confirmation) => confirmation.result.ok).length;
  }
  const phonesExpected = cases.filter(
    (entry) =>
      entry.approvedByWallet &&
      entry.outcome !== undefined &&
      ['settled', 'rejected', 'settlement-failed'].includes(entry.outcome.state),
  ).length;
  return { phonesVerified, phonesExpected };
}

/** A ledger account's balance (minor units); zero for an account the ledger has not opened. */
async function balanceOf(endpoints: Endpoints, accountId: string): Promise<bigint> {
  const answer = await ledgerAdmin(endpoints, 'GET', `/admin/accounts/${accountId}/balance`);
  if (answer.status === 404) return 0n;
  return BigInt(String(expectStatus(answer, 200, `balance of ${accountId}`).body['balance']));
}

/** What the demo's own bookkeeping expects (funding − settled, settled − fee) next to the ledger's balances. */
async function checkBalances(
  endpoints: Endpoints,
  cast: Cast,
  cases: readonly Case[],
): Promise<BalanceCheck[]> {
  const settled = cases.filter((entry) => entry.outcome?.state === 'settled');
  const checks: BalanceCheck[] = [];
  const check = async (account: string, what: string, expected: bigint) => {
    checks.push({
      account,
      what,
      expected: String(expected),
      ledger: String(await balanceOf(endpoints, account)),
    });
  };
  for (const [accountId, funded] of cast.funded) {
    const spent = settled
      .filter((entry) => entry.phone.accountId === accountId)
      .reduce((sum, entry) => sum + entry.amount, 0n);
    await check(`wallet_${accountId}`, 'wallet: funded − settled payments', funded - spent);
  }
  const total = settled.reduce((sum, entry) => sum + entry.amount, 0n);
  const fees = settled.reduce((sum, entry) => sum + feeOf(entry.amount), 0n);
  await check(`payable_${cast.merchant.merchantId}`, 'merchant: settled − fees', total - fees);
  await check(`payable_${cast.otherMerchantId}`, 'other merchant: nothing', 0n);
  // The fee revenue account is shared by every run on this ledger (and a run stopped half-way may
  // settle later), so this run's part is the sum of the fees the ledger recorded for its settlements.
  const recorded = await mapConcurrently(settled, statusReadsInParallelMax, async (entry) => {
    const settlement = expectStatus(
      await ledgerAdmin(endpoints, 'GET', `/admin/settlements/${entry.transactionId}`),
      200,
      `settlement of ${entry.transactionId}`,
    );
    return BigInt(String(settlement.body['fee']));
  });
  checks.push({
    account: 'fee-revenue_EUR',
    what: 'fee revenue: fees of this run’s settlements',
    expected: String(fees),
    ledger: String(recorded.reduce((sum, fee) => sum + fee, 0n)),
  });
  return checks;
}

export type { ConfirmationTally, ScenarioCounts };
