import { assert } from '../errors';

/**
 * A least-recently-used cache holding at most `entriesMax` entries, on a `Map` (which iterates in
 * insertion order, so the first key is the least recently used one). Used by the signature back
 * ends to keep imported public keys.
 *
 * @example
 * ```ts
 * const cache = new BoundedLruCache<string, KeyObject>(1024);
 * const key = cache.get(id) ?? cache.set(id, importKey(id));
 * ```
 */
export class BoundedLruCache<Key, Value> {
  readonly #entries = new Map<Key, Value>();
  readonly #entriesMax: number;

  constructor(entriesMax: number) {
    assert(
      Number.isSafeInteger(entriesMax) && entriesMax > 0,
      'cache size must be a positive integer',
    );
    this.#entriesMax = entriesMax;
  }

  /** Number of entries held. */
  get size(): number {
    return this.#entries.size;
  }

  /** The value for `key`, marking it most recently used; `undefined` if absent. */
  get(key: Key): Value | undefined {
    const value = this.#entries.get(key);
    if (value === undefined) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, value);
    return value;
  }

  /** Stores `value` as the most recently used entry, evicting the least recently used one if full. */
  set(key: Key, value: Value): Value {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > this.#entriesMax) {
      const leastRecentlyUsed = this.#entries.keys().next();
      assert(leastRecentlyUsed.done !== true, 'a full cache has a first key');
      this.#entries.delete(leastRecentlyUsed.value);
    }
    assert(this.#entries.size <= this.#entriesMax, 'cache within its bound');
    return value;
  }

  /** Removes every entry. */
  clear(): void {
    this.#entries.clear();
  }
}
