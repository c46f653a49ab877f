// The device's durable storage port: a counter, a credential, an upload queue must survive a crash
// or a power cut at any instant, in a state that is either before or after each write.

/**
 * Durable key-value storage. `write` is atomic and durable: once it resolves, the value survives a
 * crash; if the process dies during it, the key holds the old value or the new one, never a mix.
 * Adapters: {@link FileStore} (files, write-rename with fsync) and {@link MemoryStore} (tests). On
 * a phone: the platform's equivalent (Android `AtomicFile`, iOS `Data.write(options: .atomic)` plus
 * the file protection class).
 *
 * @example
 * ```ts
 * const store: DurableStore = await FileStore.open('/var/lib/settle-pos');
 * await store.write('pcd.counter', new TextEncoder().encode('4187'));
 * ```
 */
export interface DurableStore {
  /** The value, or `undefined` if the key was never written (or was deleted). */
  read(key: string): Promise<Uint8Array | undefined>;
  write(key: string, value: Uint8Array): Promise<void>;
  /** Deletes durably; deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** Keys starting with `prefix`, in ascending order. */
  list(prefix: string): Promise<string[]>;
}

/**
 * Keys: 1 to 128 characters of `[a-z0-9._-]`, starting with a letter or digit (so every key is a
 * safe file name, and no key can collide with an adapter's temporary files, which start with '.').
 *
 * @example
 * ```ts
 * storeKeyPattern.test('pos.upload.0000000000000001'); // true
 * ```
 */
export const storeKeyPattern = /^[a-z0-9][a-z0-9._-]{0,127}$/;

/**
 * An infrastructure failure of a store: code, cause, and whether retrying can help.
 *
 * @example
 * ```ts
 * if (error instanceof StorageError && error.retriable) scheduleRetry();
 * ```
 */
export class StorageError extends Error {
  override readonly name = 'StorageError';
  readonly code = 'STORAGE_FAILED';
  readonly retriable: boolean;

  constructor(message: string, options: { cause?: unknown; retriable: boolean }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retriable = options.retriable;
  }
}

/** Throws on a key outside {@link storeKeyPattern} (a programmer error). */
export function checkStoreKey(key: string): void {
  if (typeof key !== 'string' || !storeKeyPattern.test(key))
    throw new Error(`device-sdk: invalid store key ${JSON.stringify(key)}`);
}
