import { mkdir, open, readFile, readdir, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { type DurableStore, StorageError, checkStoreKey } from './durable-store';

// One file per key in one directory. A write goes to a temporary file (a name no key can have),
// which is fsynced, renamed over the key's file (atomic on POSIX file systems), and then the
// directory is fsynced so that the rename itself survives a power cut. A crash leaves at most a
// temporary file behind, which `open` removes. One process owns a directory at a time.

const notRetriable = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EISDIR', 'EINVAL']);

function storageError(action: string, error: unknown): StorageError {
  const code = (error as { code?: string }).code;
  return new StorageError(`${action} failed${code ? ` (${code})` : ''}`, {
    cause: error,
    retriable: !notRetriable.has(code ?? ''),
  });
}

async function fsyncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * A {@link DurableStore} of files (POS terminals, desktop tools, tests of durability).
 *
 * @example
 * ```ts
 * import { FileStore } from '@settle/device-sdk';
 * const store = await FileStore.open('/var/lib/settle-pos');
 * ```
 */
export class FileStore implements DurableStore {
  private temporarySequence = 0;

  private constructor(private readonly directory: string) {}

  /** Opens (creating if needed) the store's directory and removes temporary files a crash left. */
  static async open(directory: string): Promise<FileStore> {
    try {
      await mkdir(directory, { recursive: true });
      const leftovers = (await readdir(directory)).filter(
        (name) => name.startsWith('.') && name.endsWith('.tmp'),
      );
      await Promise.all(leftovers.map((name) => unlink(path.join(directory, name))));
    } catch (error) {
      throw storageError(`opening ${directory}`, error);
    }
    return new FileStore(directory);
  }

  async read(key: string): Promise<Uint8Array | undefined> {
    checkStoreKey(key);
    try {
      return new Uint8Array(await readFile(path.join(this.directory, key)));
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') return undefined;
      throw storageError(`reading ${key}`, error);
    }
  }

  async write(key: string, value: Uint8Array): Promise<void> {
    checkStoreKey(key);
    this.temporarySequence += 1;
    const temporary = path.join(
      this.directory,
      `.${key}.${process.pid}.${this.temporarySequence}.tmp`,
    );
    try {
      const handle = await open(temporary, 'wx');
      try {
        await handle.writeFile(value);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, path.join(this.directory, key));
      await fsyncDirectory(this.directory);
    } catch (error) {
      await unlink(temporary).catch(() => undefined);
      throw storageError(`writing ${key}`, error);
    }
  }

  async delete(key: string): Promise<void> {
    checkStoreKey(key);
    try {
      await unlink(path.join(this.directory, key));
      await fsyncDirectory(this.directory);
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') return;
      throw storageError(`deleting ${key}`, error);
    }
  }

  async list(prefix: string): Promise<string[]> {
    try {
      return (await readdir(this.directory))
        .filter((name) => !name.startsWith('.') && name.startsWith(prefix))
        .sort();
    } catch (error) {
      throw storageError('listing', error);
    }
  }
}
