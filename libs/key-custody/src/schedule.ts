import { KeyCustodyError } from './errors';
import type { CustodyKey } from './key-custody';

/**
 * The key that signs at `now`: of the keys activated and not retired, the one activated last.
 * Throws `ERR_NO_SIGNING_KEY` when there is none (a misconfigured rotation must fail loudly).
 *
 * @example
 * ```ts
 * const key = selectSigningKey(await custody.keys('token-signing'), new Date());
 * ```
 */
export function selectSigningKey(keys: readonly CustodyKey[], now: Date): CustodyKey {
  const at = now.getTime();
  const signing = keys
    .filter(
      (key) =>
        key.activatesAt.getTime() <= at &&
        (key.retiresAt === undefined || key.retiresAt.getTime() > at),
    )
    .sort(
      (a, b) => b.activatesAt.getTime() - a.activatesAt.getTime() || a.kid.localeCompare(b.kid),
    )[0];
  if (signing === undefined)
    throw new KeyCustodyError(
      'ERR_NO_SIGNING_KEY',
      `no ${keys[0]?.purpose ?? ''} key is active at ${now.toISOString()}`,
    );
  return signing;
}

/**
 * The keys a relying party must accept at `now` (what a JWKS publishes): every key that may have
 * signed something still valid, and the next key ahead of its activation so caches learn it first.
 * A key stays published until `overlapMs` (the longest lifetime of what it signs) after it stopped
 * signing — after it retired, or after a newer key took over.
 *
 * @example
 * ```ts
 * const jwks = { keys: publishedKeys(keys, new Date(), { overlapMs: 15 * 60_000, prepublishMs: 3_600_000 }).map((k) => k.publicJwk) };
 * ```
 */
export function publishedKeys(
  keys: readonly CustodyKey[],
  now: Date,
  window: { readonly overlapMs: number; readonly prepublishMs: number },
): CustodyKey[] {
  const at = now.getTime();
  const byActivation = [...keys].sort(
    (a, b) => a.activatesAt.getTime() - b.activatesAt.getTime() || a.kid.localeCompare(b.kid),
  );
  return byActivation.filter((key, index) => {
    if (key.activatesAt.getTime() - window.prepublishMs > at) return false;
    const successor = byActivation
      .slice(index + 1)
      .find((later) => later.activatesAt.getTime() > key.activatesAt.getTime());
    const stoppedAt = Math.min(
      key.retiresAt?.getTime() ?? Infinity,
      successor?.activatesAt.getTime() ?? Infinity,
    );
    return stoppedAt + window.overlapMs > at;
  });
}
