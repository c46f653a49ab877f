import {
  type OfflineTransaction,
  decodeOfflineTransaction,
  formatTransactionId,
} from '@settle/protocol';
import { bytesToHex, decodeCborStrict, encodeCborDeterministic } from '@settle/crypto';
import { deviceAssert } from '../errors';
import { type DurableStore } from '../storage/durable-store';

// The POS's durable record of offline transactions:
//   pos.upload.<sequence>     the offline transaction bytes, waiting for upload
//   pos.confirmed.<sequence>  CBOR [transaction bytes, confirmation bytes], once the processor answered
// A transaction moves by writing its confirmed entry, then deleting its upload entry; a crash between
// the two leaves both, and `open` finishes the move. Sequences (16 digits) keep upload order.

const uploadPrefix = 'pos.upload.';
const confirmedPrefix = 'pos.confirmed.';
const sequenceDigits = 16;

/**
 * Most transactions a POS holds waiting for upload: past it, it must upload before taking more
 * offline payments (bounds storage and the exposure of one terminal).
 *
 * @example
 * ```ts
 * if (queue.pendingCount() >= uploadQueueEntriesMax) return 'upload first';
 * ```
 */
export const uploadQueueEntriesMax = 10_000;

/**
 * A transaction the POS holds.
 *
 * @example
 * ```ts
 * const { transactionId, bytes, state }: QueuedTransaction = queue.entries()[0];
 * ```
 */
export interface QueuedTransaction {
  readonly sequence: number;
  readonly transactionId: Uint8Array;
  /** The offline transaction exactly as encoded: the upload body. */
  readonly bytes: Uint8Array;
  readonly transaction: OfflineTransaction;
  readonly state: 'pending' | 'confirmed';
  /** The processor's confirmation, once confirmed. */
  readonly confirmationBytes?: Uint8Array;
}

function sequenceKey(prefix: string, sequence: number): string {
  return `${prefix}${sequence.toString().padStart(sequenceDigits, '0')}`;
}

function decodeStoredTransaction(
  sequence: number,
  bytes: Uint8Array,
  state: QueuedTransaction['state'],
  confirmationBytes?: Uint8Array,
): QueuedTransaction {
  const decoded = decodeOfflineTransaction(bytes);
  deviceAssert(decoded.ok, 'a stored transaction decodes (it was built by this terminal)');
  return {
    sequence,
    transactionId: decoded.value.transactionId,
    bytes,
    transaction: decoded.value,
    state,
    ...(confirmationBytes ? { confirmationBytes } : {}),
  };
}

/**
 * The POS's durable upload queue, with an in-memory index of everything it holds (for the counter
 * and cumulative-cap checks). Open it once per process.
 *
 * @example
 * ```ts
 * const queue = await UploadQueue.open(store);
 * await queue.enqueue(offlineTransactionBytes);
 * for (const entry of queue.pending()) await upload(entry.bytes);
 * ```
 */
export class UploadQueue {
  private readonly byId = new Map<string, QueuedTransaction>();
  private nextSequence = 1;

  private constructor(private readonly store: DurableStore) {}

  /** Loads the queue, finishing any move a crash interrupted. */
  static async open(store: DurableStore): Promise<UploadQueue> {
    const queue = new UploadQueue(store);
    for (const key of await store.list(confirmedPrefix)) {
      const sequence = Number(key.slice(confirmedPrefix.length));
      const [transactionBytes, confirmationBytes] = decodeCborStrict((await store.read(key))!) as [
        Uint8Array,
        Uint8Array,
      ];
      queue.remember(
        decodeStoredTransaction(sequence, transactionBytes, 'confirmed', confirmationBytes),
      );
      await store.delete(sequenceKey(uploadPrefix, sequence));
    }
    for (const key of await store.list(uploadPrefix)) {
      const sequence = Number(key.slice(uploadPrefix.length));
      queue.remember(decodeStoredTransaction(sequence, (await store.read(key))!, 'pending'));
    }
    return queue;
  }

  private remember(entry: QueuedTransaction): void {
    this.byId.set(bytesToHex(entry.transactionId), entry);
    this.nextSequence = Math.max(this.nextSequence, entry.sequence + 1);
  }

  /** Every transaction held, pending and confirmed, in sequence order. */
  entries(): QueuedTransaction[] {
    return [...this.byId.values()].sort((left, right) => left.sequence - right.sequence);
  }

  /** Transactions waiting for upload, oldest first. */
  pending(): QueuedTransaction[] {
    return this.entries().filter((entry) => entry.state === 'pending');
  }

  pendingCount(): number {
    return this.pending().length;
  }

  find(transactionId: Uint8Array): QueuedTransaction | undefined {
    return this.byId.get(bytesToHex(transactionId));
  }

  /** Stores a transaction durably; resolves once it survives a crash. Idempotent by transaction id. */
  async enqueue(transactionBytes: Uint8Array): Promise<QueuedTransaction> {
    const entry = decodeStoredTransaction(this.nextSequence, transactionBytes, 'pending');
    const existing = this.find(entry.transactionId);
    if (existing !== undefined) return existing;
    await this.store.write(sequenceKey(uploadPrefix, entry.sequence), transactionBytes);
    this.remember(entry);
    return entry;
  }

  /** Records the processor's confirmation of a held transaction (durably) and takes it off the upload list. */
  async confirm(
    transactionId: Uint8Array,
    confirmationBytes: Uint8Array,
  ): Promise<QueuedTransaction> {
    const entry = this.find(transactionId);
    deviceAssert(entry !== undefined, `transaction ${formatTransactionId(transactionId)} is held`);
    if (entry.state === 'confirmed') return entry;
    await this.store.write(
      sequenceKey(confirmedPrefix, entry.sequence),
      encodeCborDeterministic([entry.bytes, confirmationBytes]),
    );
    await this.store.delete(sequenceKey(uploadPrefix, entry.sequence));
    const confirmed: QueuedTransaction = { ...entry, state: 'confirmed', confirmationBytes };
    this.remember(confirmed);
    return confirmed;
  }
}
