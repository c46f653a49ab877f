import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  type AdminCredential,
  type AdminRole,
  parseAdminAuthorization,
  type ScryptHash,
  scryptDefaults,
  verifyScrypt,
} from './admin-credentials';
import { AdminLoginThrottle } from './admin-login-throttle';

export type AdminAuthentication =
  | {
      readonly outcome: 'authenticated';
      readonly operatorId: string;
      readonly credentialId: string;
      readonly roles: readonly AdminRole[];
    }
  /** `claimedOperatorId` is the credential id the caller sent, unverified: for the audit log only. */
  | { readonly outcome: 'rejected'; readonly claimedOperatorId?: string }
  /** Too many unverified attempts for this credential id, address or process: refused before scrypt. */
  | {
      readonly outcome: 'throttled';
      readonly claimedOperatorId: string;
      readonly retryAfterSeconds: number;
    }
  | { readonly outcome: 'not-configured' };

/**
 * Checks admin bearer credentials against the configured scrypt hashes.
 *
 * scrypt is deliberately slow, so it runs once per distinct credential, not per request: after a
 * secret verifies, its SHA-256 digest is kept (one per credential) and later requests compare digests
 * in constant time. A wrong secret always pays for scrypt, and an unknown credential is checked
 * against a dummy hash so the answer takes as long as for a known one — unless the
 * {@link AdminLoginThrottle} refuses the attempt first.
 */
export class AdminAuthenticator {
  private readonly credentials: ReadonlyMap<string, AdminCredential>;
  private readonly verifiedSecretDigests = new Map<string, Buffer>();
  private readonly dummyHash: ScryptHash;

  /** @param verify the slow check; replaceable only so a test can count its calls. */
  constructor(
    credentials: readonly AdminCredential[],
    private readonly verify: (
      secret: string,
      reference: ScryptHash,
    ) => Promise<boolean> = verifyScrypt,
    private readonly throttle: AdminLoginThrottle = new AdminLoginThrottle(),
  ) {
    this.credentials = new Map(
      credentials.map((credential) => [credential.credentialId, credential]),
    );
    if (this.credentials.size !== credentials.length)
      throw new Error('AdminAuthenticator: duplicate credential ids');
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

  /** @param sourceAddress the peer address of the connection, for the per-address throttle. */
  async authenticate(
    authorizationHeader: string | undefined,
    sourceAddress = 'unknown',
  ): Promise<AdminAuthentication> {
    if (!this.isConfigured) return { outcome: 'not-configured' };
    const presented = parseAdminAuthorization(authorizationHeader);
    if (!presented) return { outcome: 'rejected' };
    const { credentialId } = presented;
    const credential = this.credentials.get(credentialId);
    const digest = createHash('sha256').update(presented.secret, 'utf8').digest();
    const cached = this.verifiedSecretDigests.get(credentialId);
    if (credential && cached && timingSafeEqual(cached, digest)) return authenticated(credential);
    const admission = this.throttle.admit(credentialId, sourceAddress);
    if (!admission.admitted)
      return {
        outcome: 'throttled',
        claimedOperatorId: credentialId,
        retryAfterSeconds: admission.retryAfterSeconds,
      };
    const verified = await this.verify(presented.secret, credential?.secretHash ?? this.dummyHash);
    if (!credential || !verified) return { outcome: 'rejected', claimedOperatorId: credentialId };
    this.verifiedSecretDigests.set(credentialId, digest);
    this.throttle.forgive(credentialId);
    return authenticated(credential);
  }
}

function authenticated(credential: AdminCredential): AdminAuthentication {
  return {
    outcome: 'authenticated',
    operatorId: credential.operatorId,
    credentialId: credential.credentialId,
    roles: credential.roles,
  };
}
