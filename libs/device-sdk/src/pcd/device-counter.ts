import { deviceCounterMax } from '@settle/protocol';
import { deviceAssert } from '../errors';
import { type DurableStore } from '../storage/durable-store';

const counterKey = 'pcd.counter';

/**
 * The device's monotonic payment counter, kept in a {@link DurableStore}. A counter value is
 * written durably BEFORE it is handed out, so no crash can make the device use one twice (a crash
 * can only leave a gap, which the processor treats as normal). Calls are serialized.
 *
 * @example
 * ```ts
 * const counter = new DeviceCounter(store);
 * const deviceCounter = await counter.reserveNext(); // 1n, then 2n, …
 * ```
 */
export class DeviceCounter {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly store: DurableStore) {}

  /** The last value handed out (0 before the first). */
  async current(): Promise<bigint> {
    const bytes = await this.store.read(counterKey);
    if (bytes === undefined) return 0n;
    const text = new TextDecoder().decode(bytes);
    deviceAssert(/^(0|[1-9][0-9]{0,19})$/.test(text), 'the stored counter is a decimal integer');
    return BigInt(text);
  }

  /** The next value, already stored; `undefined` when the 64-bit range is used up. */
  reserveNext(): Promise<bigint | undefined> {
    const next = this.tail.then(async () => {
      const current = await this.current();
      if (current >= deviceCounterMax) return undefined;
      const value = current + 1n;
      await this.store.write(counterKey, new TextEncoder().encode(value.toString()));
      return value;
    });
    this.tail = next.catch(() => undefined);
    return next;
  }
}
