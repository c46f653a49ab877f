import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { type ProcessorConfirmation, prepareProcessorConfirmation } from '@settle/protocol';
import {
  type CustodyKey,
  isKeyCustodyError,
  KEY_CUSTODY,
  type KeyCustody,
  publishedKeys,
  selectSigningKey,
} from '@settle/key-custody';
import { ProblemException, SERVICE_CONFIG } from '@settle/platform';
import { type VerifierSettings } from '../config';
import { ProtocolKeyCache } from '../verify-payment/protocol-key-cache';

/** The custody purpose of the processor key that signs confirmations (DESIGN §8). */
export const receiptPurpose = 'receipt-signing';

/** Receipt keys kept checked: custody holds a few per purpose (current, next, retired). */
const receiptKeysCachedMax = 16;

/** The receipt key that signs, and its 32-byte RFC 7638 thumbprint as the COSE `kid`. */
interface SigningKey {
  readonly key: CustodyKey;
  readonly keyId: Uint8Array;
}

/**
 * Key custody could not give the receipt key or its signature (no key active, the document missing,
 * unreadable or invalid, the KMS down). The event being confirmed is fine: `retriable` makes the
 * inbox retry it until an operator fixes custody, instead of dead-lettering a confirmation.
 */
export class ReceiptKeyUnavailableError extends Error {
  override readonly name = 'ReceiptKeyUnavailableError';
  readonly code = 'RECEIPT_KEY_UNAVAILABLE';
  readonly retriable = true;

  constructor(message: string, cause: unknown) {
    super(`${message}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/**
 * Signs processor confirmations with the receipt key behind the key-custody port — the key that
 * signs now (`selectSigningKey`), its 32-byte RFC 7638 thumbprint as the COSE `kid`, the signature
 * from custody, never a private key in this process — and says which receipt keys terminals and
 * phones must accept (`GET /v1/receipt-keys`).
 */
@Injectable()
export class ReceiptSigner {
  /** The receipt keys' ids (thumbprints), by JWK: checking a key in full costs more than signing with it. */
  private readonly keyCache = new ProtocolKeyCache(receiptKeysCachedMax);
  /** The last key chosen, with the key set and instant it was chosen for. */
  private lastSigningKey:
    (SigningKey & { readonly keys: readonly CustodyKey[]; readonly atMs: number }) | undefined;

  constructor(
    @Inject(KEY_CUSTODY) private readonly custody: KeyCustody,
    @Inject(SERVICE_CONFIG) private readonly config: VerifierSettings,
  ) {}

  /** The COSE_Sign1 bytes of `confirmation`, signed by the receipt key current at `now`. */
  async sign(confirmation: ProcessorConfirmation, now: Date): Promise<Uint8Array> {
    const keys = await this.fromCustody('no receipt key to sign with', () =>
      this.custody.keys(receiptPurpose),
    );
    const { key, keyId } = this.fromCustodySync('no receipt key to sign with', () =>
      this.signingKeyAt(keys, now),
    );
    // An invalid confirmation throws here, unwrapped: that is a bug or bad data, not custody.
    const prepared = prepareProcessorConfirmation(confirmation, { alg: key.alg, keyId });
    return prepared.complete(
      await this.fromCustody('the receipt key did not sign', () =>
        this.custody.sign(receiptPurpose, key.kid, prepared.toBeSigned),
      ),
    );
  }

  /**
   * The key that signs at `now` and its COSE kid. Chosen once per key set and instant: custody hands
   * out the same array until its document changes, and a batch confirms with one `now`, so a batch
   * selects and checks its key once instead of once per payment.
   */
  private signingKeyAt(keys: readonly CustodyKey[], now: Date): SigningKey {
    const last = this.lastSigningKey;
    if (last !== undefined && last.keys === keys && last.atMs === now.getTime()) return last;
    const key = selectSigningKey(keys, now);
    const publicKey = this.keyCache.keyOf(key.publicJwk);
    if (publicKey === null)
      throw new Error('the receipt key from custody is not a valid public key');
    const keyId = publicKey.keyId;
    if (Buffer.from(keyId).toString('base64url') !== key.kid)
      throw new Error('the COSE kid is the custody key id');
    this.lastSigningKey = { keys, atMs: now.getTime(), key, keyId };
    return this.lastSigningKey;
  }

  /** {@link fromCustody} for a synchronous step: selecting a key, which fails when none is active. */
  private fromCustodySync<T>(what: string, call: () => T): T {
    try {
      return call();
    } catch (error) {
      if (!isKeyCustodyError(error)) throw error;
      throw new ReceiptKeyUnavailableError(what, error);
    }
  }

  /** Runs a custody call; whatever fails inside custody (its errors, the file system's, a KMS's) is retriable. */
  private async fromCustody<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw new ReceiptKeyUnavailableError(what, error);
    }
  }

  /**
   * The receipt keys a terminal or phone must accept at `now`: the next key ahead of its activation,
   * and retired keys for the configured overlap (a confirmation is verified offline, maybe weeks later).
   */
  async publishedKeys(now: Date): Promise<CustodyKey[]> {
    try {
      return publishedKeys(await this.custody.keys(receiptPurpose), now, {
        overlapMs: this.config.SETTLE_VERIFIER_RECEIPT_KEY_OVERLAP_MS,
        prepublishMs: this.config.SETTLE_VERIFIER_RECEIPT_KEY_PREPUBLISH_MS,
      });
    } catch (error) {
      // Custody's own errors, and the file system's when its document is missing or unreadable.
      if (!isKeyCustodyError(error) && !isSystemError(error)) throw error;
      throw new ProblemException({
        status: HttpStatus.SERVICE_UNAVAILABLE,
        code: 'RECEIPT_KEY_UNAVAILABLE',
        title: 'Receipt keys unavailable',
        detail: 'The receipt keys cannot be read from key custody; try again later.',
        cause: error,
      });
    }
  }
}

/** A Node system error (ENOENT, EACCES, …): the custody document or device is not there. */
function isSystemError(error: unknown): boolean {
  return (
    error instanceof Error &&
    typeof (error as { code?: unknown }).code === 'string' &&
    typeof (error as { syscall?: unknown }).syscall === 'string'
  );
}
