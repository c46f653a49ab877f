import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  type AdminCredential,
  parseAdminAuthorization,
  type ScryptHash,
  scryptDefaults,
  verifyScrypt,
} from './admin-credentials';

export type AdminAuthentication =
  | { readonly outcome: 'authenticated'; readonly operatorId: string }
  /** `claimedOperatorId` is whatever the caller sent, unverified: for the audit log only. */
  | { readonly outcome: 'rejected'; readonly claimedOperatorId?: string }
  | { readonly outcome: 'not-configured' };

/**
 * Checks admin bearer credentials against the configured scrypt hashes.
 *
 * scrypt is deliberately slow, so it runs once per distinct credential, not per request: after a
 * secret verifies, its SHA-256 digest is kept (one per operator) and later requests compare digests
 * in constant time. A wrong secret always pays for scrypt, and an unknown operator is checked against
 * a dummy hash so the answer takes as long as for a known one.
 */
export class AdminAuthenticator {
  private readonly credentials: ReadonlyMap<string, ScryptHash>;
  private readonly verifiedSecretDigests = new Map<string, Buffer>();
  private readonly dummyHash: ScryptHash;

  /** @param verify the slow check; replaceable only so a test can count its calls. */
  constructor(
    credentials: readonly AdminCredential[],
    private readonly verify: (secret: string, reference: ScryptHash) => Promise<boolean> = verifyScrypt,
  ) {
    this.credentials = new Map(credentials.map((credential) => [credential.operatorId, credential.secretHash]));
    if (this.credentials.size !== credentials.length) throw new Error('AdminAuthenticator: duplicate operator ids');
    this.dummyHash = {
      cost: scryptDefaults.cost,
      blockSize: scryptDefaults.blockSize,
      parallelization: scryptDefaults.parallelization,
      salt: randomBytes(scryptDefaults.saltBytes),
      hash: randomBytes(scryptDefaults.hashBytes),
    };
  }

  get isConfigured(): boolean {
    return this.credentials.size > 0;
  }

  async authenticate(authorizationHeader: string | undefined): Promise<AdminAuthentication> {
    if (!this.isConfigured) return { outcome: 'not-configured' };
    const presented = parseAdminAuthorization(authorizationHeader);
    if (!presented) return { outcome: 'rejected' };
    const reference = this.credentials.get(presented.operatorId);
    const digest = createHash('sha256').update(presented.secret, 'utf8').digest();
    const cached = this.verifiedSecretDigests.get(presented.operatorId);
    if (reference && cached && timingSafeEqual(cached, digest)) {
      return { outcome: 'authenticated', operatorId: presented.operatorId };
    }
    const verified = await this.verify(presented.secret, reference ?? this.dummyHash);
    if (!reference || !verified) return { outcome: 'rejected', claimedOperatorId: presented.operatorId };
    this.verifiedSecretDigests.set(presented.operatorId, digest);
    return { outcome: 'authenticated', operatorId: presented.operatorId };
  }
}
