import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileStore } from '../storage/file-store';
import { MemoryStore } from '../storage/memory-store';
import { DeviceCounter } from './device-counter';

describe('device counter', () => {
  it('hands out 1, 2, 3 … and never the same value twice, even to concurrent callers', async () => {
    const counter = new DeviceCounter(new MemoryStore());
    const values = await Promise.all(Array.from({ length: 20 }, () => counter.reserveNext()));
    expect(new Set(values.map(String)).size).toBe(20);
    expect(values.map(Number).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, index) => index + 1),
    );
    expect(await counter.current()).toBe(20n);
  });

  it('continues after a restart from what was stored before each value was handed out', async () => {
    const directory = mkdtempSync(path.join(os.tmpdir(), 'settle-counter-'));
    try {
      const first = new DeviceCounter(await FileStore.open(directory));
      await first.reserveNext();
      await first.reserveNext();
      const afterRestart = new DeviceCounter(await FileStore.open(directory));
      expect(await afterRestart.reserveNext()).toBe(3n);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('stops at 2^64 − 1 instead of wrapping', async () => {
    const store = new MemoryStore();
    await store.write('pcd.counter', new TextEncoder().encode((2n ** 64n - 2n).toString()));
    const counter = new DeviceCounter(store);
    expect(await counter.reserveNext()).toBe(2n ** 64n - 1n);
    expect(await counter.reserveNext()).toBeUndefined();
  });
});
