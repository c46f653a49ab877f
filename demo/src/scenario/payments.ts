// The payments phase: everything happens offline, between terminals and phones, over sound. First the
// honest payments (round robin over phones and terminals), then what the attacks need: the lost phone
// paying after its key was revoked, a cloned phone replaying a counter at another terminal, a phone
// ignoring its cumulative cap there, a terminal naming another merchant, a terminal raising an amount
// after the phone signed, and a terminal approving a payment a second time.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatTransactionId } from '@settle/protocol';
import { type SoundModem } from '@settle/sound-link';
import { type Progress } from '../progress/progress';
import {
  decodedOf,
  idOf,
  payOverSound,
  type Phone,
  reapprove,
  roguePaymentOverSound,
  type Terminal,
  withAmount,
  wrongMerchantTransaction,
} from '../world';
import { type Cast } from './cast';
import { type Case, type ScenarioCounts } from './model';

/** The recordings of the traced payment, in the output directory. */
export const recordingFiles = {
  request: 'payment-1-request.wav',
  authorization: 'payment-1-authorization.wav',
} as const;
/** Sound payments and crafted transactions besides the honest ones (see {@link makePayments}). */
export const attackSteps = 8;

/** An honest amount in minor units: 1.50 … 24.00 EUR, spread evenly, below the per-payment cap. */
export function honestAmount(index: number): bigint {
  return 150n + BigInt((index * 37) % 46) * 50n;
}

/** Short names for the console and the report: T1…, P1…, "lost phone", "capped phone". */
export function partyNames(cast: Cast): Map<Terminal | Phone, string> {
  const names = new Map<Terminal | Phone, string>();
  cast.terminals.forEach((terminal, index) => names.set(terminal, `T${index + 1}`));
  cast.phones.forEach((phone, index) => names.set(phone, `P${index + 1}`));
  names.set(cast.lostPhone, 'lost phone');
  names.set(cast.cappedPhone, 'capped phone');
  return names;
}

const idOfAccepted = (accepted: { transactionId: Uint8Array }) =>
  formatTransactionId(accepted.transactionId);

/** Makes every case over sound; the first honest payment's recordings go to `outputDirectory`. */
export async function makePayments(
  modem: SoundModem,
  cast: Cast,
  counts: ScenarioCounts,
  outputDirectory: string,
  progress: Progress,
): Promise<Case[]> {
  const names = partyNames(cast);
  const cases: Case[] = [];
  const first = cast.terminals[0]!;
  const honest = async (terminal: Terminal, phone: Phone, amount: bigint, recordings = {}) => {
    const accepted = await payOverSound(modem, terminal, phone, amount, recordings);
    const entry: Case = {
      kind: 'payment',
      story: `${names.get(phone)} pays ${names.get(terminal)}`,
      transactionId: idOfAccepted(accepted),
      bytes: accepted.offlineTransactionBytes,
      amount,
      terminal,
      phone,
      wave: 1,
      expected: { state: 'settled' },
      approvedByWallet: true,
    };
    cases.push(entry);
    progress.advance();
    return entry;
  };

  const keep = (file: string) => (wav: Uint8Array) =>
    writeFileSync(path.join(outputDirectory, file), wav);
  for (let index = 0; index < counts.payments; index++) {
    const recordings =
      index === 0
        ? { request: keep(recordingFiles.request), answer: keep(recordingFiles.authorization) }
        : {};
    await honest(
      cast.terminals[index % cast.terminals.length]!,
      cast.phones[index % cast.phones.length]!,
      honestAmount(index),
      recordings,
    );
  }
  // The capped phone spends its cap honestly at the first terminal.
  await honest(first, cast.cappedPhone, 2_000n);
  await honest(first, cast.cappedPhone, 2_000n);
  cases.push(...(await attacks(modem, cast, names, cases, progress)));
  return cases;
}

/** The attacks (wave 2): each made as a tampered app or terminal would, over sound where sound is involved. */
async function attacks(
  modem: SoundModem,
  cast: Cast,
  names: Map<Terminal | Phone, string>,
  honest: readonly Case[],
  progress: Progress,
): Promise<Case[]> {
  const first = cast.terminals[0]!;
  const last = cast.terminals.at(-1)!;
  const phone = cast.phones[0]!;
  const traced = honest[0]!;
  const made: Case[] = [];
  const add = (entry: Omit<Case, 'wave'>) => {
    made.push({ ...entry, wave: 2 });
    progress.advance();
  };

  const lost = await payOverSound(modem, first, cast.lostPhone, 800n);
  add({
    kind: 'revoked key',
    story: `the lost phone pays ${names.get(first)} after its key was revoked`,
    transactionId: idOfAccepted(lost),
    bytes: lost.offlineTransactionBytes,
    amount: 800n,
    terminal: first,
    phone: cast.lostPhone,
    expected: { state: 'rejected', reasonCode: 'KEY_NOT_ACTIVE' },
    approvedByWallet: true,
  });

  const counter = decodedOf(traced.bytes).authorization.deviceCounter;
  const replayed = await roguePaymentOverSound(modem, last, phone, 1_000n, counter);
  add({
    kind: 'replayed counter',
    story: `a clone of ${names.get(phone)} reuses counter ${counter} at ${names.get(last)}`,
    transactionId: idOfAccepted(replayed),
    bytes: replayed.offlineTransactionBytes,
    amount: 1_000n,
    terminal: last,
    phone,
    expected: { state: 'rejected', reasonCode: 'COUNTER_REUSED' },
    approvedByWallet: false,
  });

  const overCap = await roguePaymentOverSound(modem, last, cast.cappedPhone, 2_000n);
  add({
    kind: 'over the cumulative cap',
    story: `the capped phone pays 20.00 more at ${names.get(last)}, past its 50.00 cap`,
    transactionId: idOfAccepted(overCap),
    bytes: overCap.offlineTransactionBytes,
    amount: 2_000n,
    terminal: last,
    phone: cast.cappedPhone,
    expected: { state: 'rejected', reasonCode: 'CUMULATIVE_CAP_EXCEEDED' },
    approvedByWallet: false,
  });

  const wrongMerchant = await wrongMerchantTransaction(
    modem,
    first,
    phone,
    cast.otherMerchantId,
    900n,
  );
  add({
    kind: 'wrong merchant',
    story: `${names.get(first)} asks ${names.get(phone)} to pay another merchant`,
    transactionId: idOf(wrongMerchant),
    bytes: wrongMerchant,
    amount: 900n,
    terminal: first,
    phone,
    expected: { state: 'refused', code: 'MERCHANT_MISMATCH' },
    approvedByWallet: false,
  });

  const base = honest.find((entry) => entry.terminal === first && entry !== traced) ?? traced;
  const tampered = withAmount(base.bytes, base.amount + 500n);
  add({
    kind: 'tampered amount',
    story: `${names.get(first)} raises a payment of ${names.get(base.phone)} by 5.00 after it was signed`,
    transactionId: idOf(tampered),
    bytes: tampered,
    amount: base.amount + 500n,
    terminal: first,
    phone: base.phone,
    expected: { state: 'rejected', reasonCode: 'SIGNATURE_INVALID' },
    approvedByWallet: false,
  });

  const reapproved = await reapprove(traced.bytes, first);
  add({
    kind: 'same id, other content',
    story: `${names.get(first)} approves ${names.get(phone)}'s first payment a second time`,
    transactionId: idOf(reapproved),
    bytes: reapproved,
    amount: traced.amount,
    terminal: first,
    phone,
    expected: { state: 'refused', code: 'DUPLICATE_WITH_DIFFERENT_CONTENT' },
    approvedByWallet: false,
  });
  return made;
}
