import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { type PublicJwk } from '@settle/contracts';
import {
  type DeviceCredential,
  type PreparedSign1,
  type ProtocolPublicKey,
  type ProtocolSigner,
  prepareDeviceCredential,
  prepareTerminalCredential,
  protocolPublicKey,
  type TerminalCredential,
} from '@settle/protocol';
import {
  type CustodyKey,
  isKeyCustodyError,
  KEY_CUSTODY,
  type KeyCustody,
  publishedKeys,
  selectSigningKey,
} from '@settle/key-custody';
import { ProblemException, SERVICE_CONFIG } from '@settle/platform';
import { type RegistrySettings } from '../config';
import { assert } from '../domain/assert';

/** The custody purpose of the processor key that signs terminal and device credentials (DESIGN §8). */
export const credentialPurpose = 'credential-signing';

/** A registered public key (as the registry stores it) as a credential states it. */
export function protocolKeyOf(publicJwk: PublicJwk): ProtocolPublicKey {
  return protocolPublicKey(publicJwk as unknown as Parameters<typeof protocolPublicKey>[0]);
}

/** A credential as sent to the device: its COSE_Sign1 bytes and the kid (RFC 7638 thumbprint) of the processor key. */
export interface SignedCredential {
  readonly bytes: Uint8Array;
  readonly issuerKeyId: string;
}

/**
 * Signs credentials with the processor's credential key behind the key-custody port: the key that
 * signs now (`selectSigningKey`), its 32-byte thumbprint as the COSE `kid`, the signature from
 * custody, never a private key in this process. Publishes the keys relying parties must accept.
 */
@Injectable()
export class CredentialSigner {
  constructor(
    @Inject(KEY_CUSTODY) private readonly custody: KeyCustody,
    @Inject(SERVICE_CONFIG) private readonly config: RegistrySettings,
  ) {}

  signTerminalCredential(credential: TerminalCredential, now: Date): Promise<SignedCredential> {
    return this.sign((issuer) => prepareTerminalCredential(credential, issuer), now);
  }

  signDeviceCredential(credential: DeviceCredential, now: Date): Promise<SignedCredential> {
    return this.sign((issuer) => prepareDeviceCredential(credential, issuer), now);
  }

  /**
   * The credential keys a POS or the verifier must accept at `now`: the next key ahead of its
   * activation, and every key until the longest-lived credential it may have signed has expired.
   */
  async publishedKeys(now: Date): Promise<CustodyKey[]> {
    const overlapMs = Math.max(
      this.config.SETTLE_REGISTRY_DEVICE_CREDENTIAL_VALIDITY_MS,
      this.config.SETTLE_REGISTRY_TERMINAL_CREDENTIAL_VALIDITY_MS,
    );
    return publishedKeys(await this.custody.keys(credentialPurpose), now, {
      overlapMs,
      prepublishMs: this.config.SETTLE_REGISTRY_CREDENTIAL_KEY_PREPUBLISH_MS,
    });
  }

  private async sign(
    prepare: (issuer: Pick<ProtocolSigner, 'alg' | 'keyId'>) => PreparedSign1,
    now: Date,
  ): Promise<SignedCredential> {
    try {
      const key = selectSigningKey(await this.custody.keys(credentialPurpose), now);
      const keyId = protocolPublicKey(key.publicJwk).keyId;
      assert(
        Buffer.from(keyId).toString('base64url') === key.kid,
        'the COSE kid is the custody key id',
      );
      const prepared = prepare({ alg: key.alg, keyId });
      const signature = await this.custody.sign(credentialPurpose, key.kid, prepared.toBeSigned);
      return { bytes: prepared.complete(signature), issuerKeyId: key.kid };
    } catch (error) {
      if (!isKeyCustodyError(error)) throw error;
      // No key (or a misconfigured rotation): the operator must fix custody; a retry later may work.
      throw new ProblemException({
        status: HttpStatus.SERVICE_UNAVAILABLE,
        code: 'CREDENTIAL_KEY_UNAVAILABLE',
        title: 'Credentials cannot be signed',
        detail: 'The credential-signing key is not available; try again later.',
        cause: error,
      });
    }
  }
}
