import { bytesToHex, equalBytes } from '@settle/crypto';
import { deviceAssert } from '../errors';
import { type DurableStore } from '../storage/durable-store';

// Credentials a device keeps so that a repeat payment carries none over sound: the phone keeps the
// terminal credentials it has seen, the terminal the device credentials. Durable (a restart keeps
// them), with expiry (an entry past its credential's validUntilMs is never found and is deleted when
// the cache next writes) and a bound (when full, the entry that expires first makes room).
//   <keyPrefix><lookup hex>.<subject id hex>   the credential's signed form, exactly as issued
// Entries are decoded, not verified, when read: every use verifies the credential again (the
// processor's keys may have rotated since), so a cache entry never stands in for a signature check.

/**
 * What a cache needs to know of one credential's signed form.
 *
 * @example
 * ```ts
 * const described: DescribedCredential<TerminalCredential> = { credential, lookup: terminalReferenceOf(credential), subjectId: credential.terminalKey.keyId, validUntilMs: credential.validUntilMs };
 * ```
 */
export interface DescribedCredential<TCredential> {
  readonly credential: TCredential;
  /** What a sound form names it by: a terminal reference or a key id prefix. */
  readonly lookup: Uint8Array;
  /** Whose credential it is (the subject key's id): a newer credential of the same subject replaces the older. */
  readonly subjectId: Uint8Array;
  readonly validUntilMs: number;
}

/**
 * One cached credential.
 *
 * @example
 * ```ts
 * const { bytes, credential }: CachedCredential<DeviceCredential> = cache.find(prefix, nowMs)[0];
 * ```
 */
export interface CachedCredential<TCredential> extends DescribedCredential<TCredential> {
  /** The signed form, exactly as the processor issued it. */
  readonly bytes: Uint8Array;
  readonly storeKey: string;
}

/**
 * Options of {@link CredentialCache.open}.
 *
 * @example
 * ```ts
 * const options: CredentialCacheOptions<DeviceCredential> = { keyPrefix: 'pos.device-credential.', entriesMax: 10_000, describe };
 * ```
 */
export interface CredentialCacheOptions<TCredential> {
  readonly keyPrefix: string;
  readonly entriesMax: number;
  /** Decodes a signed form (no verification); `undefined` for one that does not decode. */
  readonly describe: (bytes: Uint8Array) => DescribedCredential<TCredential> | undefined;
}

/**
 * A durable, bounded cache of credentials with expiry, found by the short name a sound form gives.
 *
 * @example
 * ```ts
 * const cache = await CredentialCache.open(store, { keyPrefix: 'pcd.terminal-credential.', entriesMax: 1_000, describe });
 * await cache.remember(credentialBytes, nowMs);
 * const candidates = cache.find(reference, nowMs);
 * ```
 */
export class CredentialCache<TCredential> {
  private readonly entries = new Map<string, CachedCredential<TCredential>>();

  private constructor(
    private readonly store: DurableStore,
    private readonly options: CredentialCacheOptions<TCredential>,
  ) {}

  /** Loads every entry; one that no longer decodes is deleted. */
  static async open<TCredential>(
    store: DurableStore,
    options: CredentialCacheOptions<TCredential>,
  ): Promise<CredentialCache<TCredential>> {
    deviceAssert(options.entriesMax > 0, 'a cache holds at least one entry');
    const cache = new CredentialCache(store, options);
    for (const storeKey of await store.list(options.keyPrefix)) {
      const bytes = await store.read(storeKey);
      const described = bytes === undefined ? undefined : options.describe(bytes);
      if (
        bytes === undefined ||
        described === undefined ||
        storeKey !== cache.storeKeyOf(described)
      )
        await store.delete(storeKey);
      else cache.entries.set(storeKey, { ...described, bytes, storeKey });
    }
    return cache;
  }

  /** The credentials named by `lookup` and not expired at `nowMs`, the longest valid first. */
  find(lookup: Uint8Array, nowMs: number): CachedCredential<TCredential>[] {
    return [...this.entries.values()]
      .filter((entry) => entry.validUntilMs >= nowMs && equalBytes(entry.lookup, lookup))
      .sort((left, right) => right.validUntilMs - left.validUntilMs);
  }

  /** How many entries it holds (expired ones included until the next write). */
  size(): number {
    return this.entries.size;
  }

  /**
   * Keeps a credential (its signed form, already verified by the caller). Deletes expired entries
   * first, then, when full, the one that expires first. A credential already held, or older than
   * the one held for the same subject, changes nothing. Returns whether it was written.
   */
  async remember(bytes: Uint8Array, nowMs: number): Promise<boolean> {
    const described = this.options.describe(bytes);
    deviceAssert(described !== undefined, 'a credential to cache decodes (the caller verified it)');
    if (described.validUntilMs < nowMs) return false;
    const storeKey = this.storeKeyOf(described);
    const held = this.entries.get(storeKey);
    if (held !== undefined && held.validUntilMs >= described.validUntilMs) return false;
    for (const entry of [...this.entries.values()].filter(
      (candidate) => candidate.validUntilMs < nowMs,
    ))
      await this.forget(entry.storeKey);
    if (held === undefined && this.entries.size >= this.options.entriesMax) {
      const soonest = [...this.entries.values()].reduce((first, entry) =>
        entry.validUntilMs < first.validUntilMs ? entry : first,
      );
      await this.forget(soonest.storeKey);
    }
    await this.store.write(storeKey, bytes);
    this.entries.set(storeKey, { ...described, bytes: bytes.slice(), storeKey });
    deviceAssert(this.entries.size <= this.options.entriesMax, 'the cache stays within its bound');
    return true;
  }

  private async forget(storeKey: string): Promise<void> {
    await this.store.delete(storeKey);
    this.entries.delete(storeKey);
  }

  private storeKeyOf(described: DescribedCredential<TCredential>): string {
    return `${this.options.keyPrefix}${bytesToHex(described.lookup)}.${bytesToHex(described.subjectId)}`;
  }
}
