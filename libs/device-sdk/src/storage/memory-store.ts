import { type DurableStore, checkStoreKey } from './durable-store';

/**
 * A {@link DurableStore} in memory, for unit tests: same contract, nothing survives the process.
 * Values are copied in and out, so callers cannot change stored bytes by accident.
 *
 * @example
 * ```ts
 * import { MemoryStore } from '@settle/device-sdk';
 * const store = new MemoryStore();
 * ```
 */
export class MemoryStore implements DurableStore {
  private readonly values = new Map<string, Uint8Array>();

  async read(key: string): Promise<Uint8Array | undefined> {
    checkStoreKey(key);
    return this.values.get(key)?.slice();
  }

  async write(key: string, value: Uint8Array): Promise<void> {
    checkStoreKey(key);
    this.values.set(key, value.slice());
  }

  async delete(key: string): Promise<void> {
    checkStoreKey(key);
    this.values.delete(key);
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.values.keys()].filter((key) => key.startsWith(prefix)).sort();
  }
}
