import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type DurableStore } from './durable-store';
import { FileStore } from './file-store';
import { MemoryStore } from './memory-store';

const directories: string[] = [];
afterAll(() =>
  directories.forEach((directory) => rmSync(directory, { recursive: true, force: true })),
);

function newDirectory(): string {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'settle-device-store-'));
  directories.push(directory);
  return directory;
}

const adapters: Array<[string, () => Promise<DurableStore>]> = [
  ['MemoryStore', async () => new MemoryStore()],
  ['FileStore', () => FileStore.open(newDirectory())],
];

describe.each(adapters)('%s (the DurableStore contract)', (_name, create) => {
  it('reads what it wrote, replaces values, deletes, and lists keys by prefix in order', async () => {
    const store = await create();
    expect(await store.read('pos.upload.1')).toBeUndefined();
    await store.write('pos.upload.2', Uint8Array.of(2));
    await store.write('pos.upload.1', Uint8Array.of(1));
    await store.write('pcd.counter', Uint8Array.of(9));
    await store.write('pos.upload.1', Uint8Array.of(1, 1));
    expect(await store.read('pos.upload.1')).toEqual(Uint8Array.of(1, 1));
    expect(await store.list('pos.upload.')).toEqual(['pos.upload.1', 'pos.upload.2']);
    await store.delete('pos.upload.1');
    await store.delete('pos.upload.1');
    expect(await store.list('pos.')).toEqual(['pos.upload.2']);
  });

  it('refuses keys that are not safe file names', async () => {
    const store = await create();
    for (const key of ['', '../etc/passwd', '.hidden', 'Upper', 'a/b', 'x'.repeat(129)]) {
      await expect(store.write(key, Uint8Array.of(1))).rejects.toThrow(/invalid store key/);
    }
  });

  it('keeps its own copy of the bytes', async () => {
    const store = await create();
    const value = Uint8Array.of(1, 2, 3);
    await store.write('pcd.counter', value);
    value[0] = 9;
    expect(await store.read('pcd.counter')).toEqual(Uint8Array.of(1, 2, 3));
  });
});

describe('FileStore durability', () => {
  it('survives a reopen, and a crash in the middle of a write leaves the old value (the temporary file is removed)', async () => {
    const directory = newDirectory();
    const store = await FileStore.open(directory);
    await store.write('pcd.counter', new TextEncoder().encode('41'));
    // What a crash between writing the temporary file and renaming it leaves behind:
    writeFileSync(path.join(directory, '.pcd.counter.999.1.tmp'), '42');
    const reopened = await FileStore.open(directory);
    expect(new TextDecoder().decode(await reopened.read('pcd.counter'))).toBe('41');
    expect(readdirSync(directory)).toEqual(['pcd.counter']);
    expect(await reopened.list('')).toEqual(['pcd.counter']);
  });

  it('reports an infrastructure failure with a cause and whether a retry can help', async () => {
    const directory = newDirectory();
    const store = await FileStore.open(directory);
    rmSync(directory, { recursive: true });
    await expect(store.write('pcd.counter', Uint8Array.of(1))).rejects.toMatchObject({
      name: 'StorageError',
      code: 'STORAGE_FAILED',
      retriable: true,
    });
  });
});
