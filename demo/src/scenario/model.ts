// What the demo scenario makes and what becomes of it: the cases (one per transaction sent), their
// expected and actual outcomes, and what the report needs. Amounts are bigint in the scenario and
// decimal strings once summarized.
import { type Phone, type Terminal } from '../world';

/** Where a case must end (docs/verifier.md): settled, rejected at verification, or refused at upload. */
export type Expected =
  | { readonly state: 'settled' }
  | { readonly state: 'rejected'; readonly reasonCode: string }
  | { readonly state: 'refused'; readonly code: string };

/** What became of a case. `pending` only if the wait for it ran out. */
export interface Outcome {
  readonly state: 'settled' | 'rejected' | 'settlement-failed' | 'refused' | 'pending';
  /** The rejection or settlement-failure reason, or the upload refusal code; null when settled. */
  readonly code: string | null;
  readonly uploadedAt: string | null;
  readonly decidedAt: string | null;
  readonly settledAt: string | null;
}

/** The kinds of transaction the demo sends. */
export const caseKinds = [
  'payment',
  'tampered amount',
  'same id, other content',
  'wrong merchant',
  'revoked key',
  'replayed counter',
  'over the cumulative cap',
] as const;
export type CaseKind = (typeof caseKinds)[number];

/** One transaction the demo sends, with how it came about and where it must end. */
export interface Case {
  readonly kind: CaseKind;
  /** For people: what happened, e.g. "P2 replays P1's first counter at T3". */
  readonly story: string;
  readonly transactionId: string;
  readonly bytes: Uint8Array;
  readonly amount: bigint;
  readonly terminal: Terminal;
  readonly phone: Phone;
  /** 1: the honest payments, uploaded first; 2: the attacks, uploaded once wave 1 is final. */
  readonly wave: 1 | 2;
  readonly expected: Expected;
  /** Whether the phone's own wallet approved it (it then recognises its confirmation). */
  readonly approvedByWallet: boolean;
  outcome?: Outcome;
}

/** The sizes of a run. */
export interface ScenarioCounts {
  readonly terminals: number;
  readonly phones: number;
  /** Honest payments (over sound, by the SDKs), besides the attacks. */
  readonly payments: number;
  /** Transactions per upload request. */
  readonly batchSize: number;
}

/** Demo defaults: about a minute of sound on a laptop. */
export const defaultCounts: ScenarioCounts = {
  terminals: 3,
  phones: 6,
  payments: 30,
  batchSize: 8,
};

/** Smallest sizes the scenario works with (two terminals: the attacks at the second need a fresh view). */
export const countsMin: ScenarioCounts = { terminals: 2, phones: 1, payments: 2, batchSize: 1 };
/** Largest sizes (sound takes about a second per payment on one core). */
export const countsMax: ScenarioCounts = {
  terminals: 20,
  phones: 100,
  payments: 2_000,
  batchSize: 100,
};

/** A span the demo itself made (the terminal's upload as a client), shaped like a received one. */
export interface DemoSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | null;
  readonly service: string;
  readonly name: string;
  readonly kind: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
  readonly statusCode: number;
}

/** A balance the demo expects and what the ledger says. */
export interface BalanceCheck {
  readonly account: string;
  readonly what: string;
  readonly expected: string;
  readonly ledger: string;
}

/** Everything a run produced, for the summary and the report. */
export interface ScenarioResult {
  readonly merchant: { readonly merchantId: string; readonly displayName: string };
  readonly terminals: readonly Terminal[];
  readonly phones: readonly Phone[];
  readonly cases: readonly Case[];
  readonly balances: readonly BalanceCheck[];
  readonly confirmations: {
    readonly terminalsVerified: number;
    readonly terminalsListed: number;
    readonly phonesVerified: number;
    readonly phonesExpected: number;
    readonly queuesEmpty: boolean;
  };
  /** The one payment traced end to end: its transaction id, trace id, and the demo's own client spans. */
  readonly traced: {
    readonly transactionId: string;
    readonly traceId: string;
    readonly clientSpans: readonly DemoSpan[];
  };
  /** The recordings of the traced payment: file names in the output directory. */
  readonly recordings: { readonly request: string; readonly authorization: string };
  readonly uploads: ReadonlyArray<{
    readonly terminalId: string;
    readonly batchId: string;
    readonly size: number;
    readonly refused: number;
    readonly wave: 1 | 2;
  }>;
  readonly phases: ReadonlyArray<{ readonly name: string; readonly ms: number }>;
}
