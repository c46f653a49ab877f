import { type DeviceCredential, type OfflineCap } from '@settle/protocol';
import { type DurableStore } from '../storage/durable-store';

const spendKey = 'pcd.offline-spend';

/**
 * Offline spend per currency since a check-in, as the phone counts it.
 *
 * @example
 * ```ts
 * const spend: OfflineSpend = { checkedInAtMs, spentByCurrency: new Map([['EUR', 1250n]]) };
 * ```
 */
export interface OfflineSpend {
  readonly checkedInAtMs: number;
  readonly spentByCurrency: ReadonlyMap<string, bigint>;
}

/**
 * Where a payment stands against the device credential's caps. Advisory: the phone's own count
 * (a tampered phone could skip it); the POS checks the per-transaction cap and what it has seen,
 * the verifier checks the cumulative cap over every upload.
 *
 * @example
 * ```ts
 * const check: CapCheck = { cap, spentSinceCheckIn: 1250n, withinPerTransaction: true, withinCumulative: true };
 * ```
 */
export interface CapCheck {
  readonly cap: OfflineCap;
  readonly spentSinceCheckIn: bigint;
  readonly withinPerTransaction: boolean;
  readonly withinCumulative: boolean;
}

interface StoredSpend {
  readonly checkedInAtMs: number;
  readonly spent: Record<string, string>;
}

/** Reads the stored spend, counted from `checkedInAtMs` (a newer check-in starts from zero). */
export async function readOfflineSpend(
  store: DurableStore,
  checkedInAtMs: number,
): Promise<OfflineSpend> {
  const bytes = await store.read(spendKey);
  const stored =
    bytes === undefined ? undefined : (JSON.parse(new TextDecoder().decode(bytes)) as StoredSpend);
  if (stored === undefined || stored.checkedInAtMs !== checkedInAtMs)
    return { checkedInAtMs, spentByCurrency: new Map() };
  return {
    checkedInAtMs,
    spentByCurrency: new Map(
      Object.entries(stored.spent).map(([currency, amount]) => [currency, BigInt(amount)]),
    ),
  };
}

/** Adds a payment to the stored spend. */
export async function recordOfflineSpend(
  store: DurableStore,
  checkedInAtMs: number,
  currency: string,
  amount: bigint,
): Promise<void> {
  const spend = await readOfflineSpend(store, checkedInAtMs);
  const spent = Object.fromEntries(
    [...spend.spentByCurrency].map(([code, value]) => [code, value.toString()]),
  );
  spent[currency] = ((spend.spentByCurrency.get(currency) ?? 0n) + amount).toString();
  const stored: StoredSpend = { checkedInAtMs, spent };
  await store.write(spendKey, new TextEncoder().encode(JSON.stringify(stored)));
}

/** The cap check of one payment, or `undefined` when the credential has no cap in that currency. */
export function checkCaps(
  credential: DeviceCredential,
  spend: OfflineSpend,
  currency: string,
  amount: bigint,
): CapCheck | undefined {
  const cap = credential.offlineCaps.find((candidate) => candidate.currency === currency);
  if (cap === undefined) return undefined;
  const spentSinceCheckIn = spend.spentByCurrency.get(currency) ?? 0n;
  return {
    cap,
    spentSinceCheckIn,
    withinPerTransaction: amount <= cap.perTransactionMax,
    withinCumulative: spentSinceCheckIn + amount <= cap.cumulativeMax,
  };
}
