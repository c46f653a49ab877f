import { protocolPublicKey, type ProtocolPublicKey } from '@settle/protocol';
import { isCryptoError, type PublicJwk } from '@settle/crypto';

/**
 * Imported keys kept by the verification consumer. Importing a registered JWK in full (point on the
 * curve, thumbprint) costs more than verifying a signature with it, and a device pays many times
 * with one key. Beyond this many keys the oldest entry is dropped (it is imported again when needed).
 * The receipt signer keeps its custody keys in a smaller one (their thumbprint is the COSE kid).
 */
export const protocolKeyCacheEntriesMax = 8192;

/**
 * Registered public keys as `protocolPublicKey` imports them, by the JWK's defining members (so a
 * different JWK under the same key id — a registry bug — is never served from the cache). A JWK that
 * cannot be imported is remembered as null: the decider treats such a key as unknown.
 */
export class ProtocolKeyCache {
  private readonly entries = new Map<string, ProtocolPublicKey | null>();

  constructor(private readonly entriesMax = protocolKeyCacheEntriesMax) {
    if (!Number.isSafeInteger(entriesMax) || entriesMax < 1)
      throw new RangeError('the key cache holds at least one entry');
  }

  get size(): number {
    return this.entries.size;
  }

  keyOf(publicJwk: PublicJwk): ProtocolPublicKey | null {
    // The projection's JSON is read as is: every member is stringified, nothing is assumed of it.
    const members = (publicJwk ?? {}) as unknown as Record<string, unknown>;
    const cacheKey = `${String(members['kty'])}:${String(members['crv'])}:${String(members['x'])}:${String(members['y'])}`;
    const cached = this.entries.get(cacheKey);
    if (cached !== undefined) return cached;
    let imported: ProtocolPublicKey | null;
    try {
      imported = protocolPublicKey(publicJwk);
    } catch (error) {
      if (!isCryptoError(error)) throw error;
      imported = null;
    }
    if (this.entries.size >= this.entriesMax)
      this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(cacheKey, imported);
    return imported;
  }
}
