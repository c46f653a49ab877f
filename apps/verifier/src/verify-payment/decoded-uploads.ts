import { Injectable } from '@nestjs/common';
import { equalBytes } from '@settle/crypto';
import { type OfflineTransaction } from '@settle/protocol';

/**
 * Uploads handed over and not taken yet, beyond which the oldest is dropped: those whose
 * payment.uploaded another replica verifies are never taken here. Each holds at most one
 * transaction's own bytes (≤ 512) and what they decode to, so this bounds the memory to a few MB.
 */
export const decodedUploadsEntriesMax = 4096;

/**
 * The offline transactions this process decoded when it stored their upload, handed over to its
 * verification consumer, which would otherwise decode the stored bytes a second time (the decode is
 * a pure function of the bytes). The consumer takes a transaction only for exactly the bytes it
 * locked in its row, and takes it once; anything not here — another replica's upload, a restart, a
 * redelivery — is decoded from the row as before.
 */
@Injectable()
export class DecodedUploads {
  private readonly entries = new Map<
    string,
    { readonly bytes: Uint8Array; readonly transaction: OfflineTransaction }
  >();

  get size(): number {
    return this.entries.size;
  }

  /**
   * Hands over `transaction`, decoded from `bytes`, once its row committed. `bytes` must be the
   * transaction's own buffer (not a view into a request body, which it would keep alive).
   */
  keep(transactionId: string, bytes: Uint8Array, transaction: OfflineTransaction): void {
    this.entries.delete(transactionId);
    if (this.entries.size >= decodedUploadsEntriesMax)
      this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(transactionId, { bytes, transaction });
  }

  /** The transaction decoded from `storedBytes` at upload, or undefined: then decode them. */
  take(transactionId: string, storedBytes: Uint8Array): OfflineTransaction | undefined {
    const entry = this.entries.get(transactionId);
    if (entry === undefined) return undefined;
    this.entries.delete(transactionId);
    return equalBytes(entry.bytes, storedBytes) ? entry.transaction : undefined;
  }
}
