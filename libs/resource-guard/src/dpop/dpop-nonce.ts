import { createHmac, timingSafeEqual } from 'node:crypto';
import { base64UrlDecode, base64UrlEncode } from '@settle/crypto';

/** A server nonce (RFC 9449 §8) is accepted this long after it was issued. */
export const dpopNonceLifetimeSeconds = 300;
/** Past half its lifetime a nonce is replaced: a successful response carries a new `DPoP-Nonce`. */
export const dpopNonceRenewAfterSeconds = dpopNonceLifetimeSeconds / 2;
/** Secrets shorter than this are refused (HMAC-SHA-256 key). */
export const dpopNonceSecretLengthMinChars = 32;

const nonceVersion = 1;
const macLengthBytes = 16;
const nonceLengthBytes = 1 + 8 + macLengthBytes;

/**
 * Stateless DPoP nonces: `version ‖ issued-at seconds (uint64) ‖ HMAC-SHA-256(secret, version ‖
 * issued-at)[0..16]`, base64url. Any replica with the secret checks any replica's nonce without
 * shared state. Several secrets support rotation: the first issues, all verify.
 *
 * @example
 * const nonces = new DpopNonces(['a-secret-of-at-least-32-characters…']);
 * const nonce = nonces.issue(nowSeconds);
 * nonces.check(nonce, nowSeconds); // 'fresh'
 */
export class DpopNonces {
  constructor(private readonly secrets: readonly string[]) {
    if (secrets.length === 0) throw new Error('DpopNonces needs at least one secret');
    if (secrets.some((secret) => secret.length < dpopNonceSecretLengthMinChars))
      throw new Error(
        `DPoP nonce secrets are at least ${dpopNonceSecretLengthMinChars} characters`,
      );
  }

  issue(nowSeconds: number): string {
    if (!Number.isSafeInteger(nowSeconds) || nowSeconds < 0)
      throw new Error('nowSeconds must be a non-negative integer');
    const body = new Uint8Array(9);
    body[0] = nonceVersion;
    new DataView(body.buffer).setBigUint64(1, BigInt(nowSeconds));
    const nonce = new Uint8Array(nonceLengthBytes);
    nonce.set(body);
    nonce.set(mac(this.secrets[0]!, body), body.length);
    return base64UrlEncode(nonce);
  }

  /**
   * `fresh` (valid and young), `renew` (valid, past half its life: answer with a new one), `stale`
   * (expired, or from the future), or `invalid` (not ours).
   */
  check(nonce: string, nowSeconds: number): 'fresh' | 'renew' | 'stale' | 'invalid' {
    if (nonce.length > 64) return 'invalid';
    const bytes = base64UrlDecode(nonce);
    if (bytes === undefined || bytes.length !== nonceLengthBytes || bytes[0] !== nonceVersion)
      return 'invalid';
    const body = bytes.subarray(0, 9);
    const presented = bytes.subarray(9);
    if (!this.secrets.some((secret) => timingSafeEqual(mac(secret, body), presented)))
      return 'invalid';
    const issuedAt = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(1));
    const age = nowSeconds - issuedAt;
    if (age < -5 || age > dpopNonceLifetimeSeconds) return 'stale';
    return age > dpopNonceRenewAfterSeconds ? 'renew' : 'fresh';
  }
}

function mac(secret: string, body: Uint8Array): Uint8Array {
  return new Uint8Array(
    createHmac('sha256', secret).update(body).digest().subarray(0, macLengthBytes),
  );
}
