import { type ProtocolPublicKey, protocolPublicKey } from '@settle/protocol';
import {
  type PrivateJwk,
  type SignatureAlgorithm,
  type SignatureBackend,
  generateKeyPair,
  importPrivateJwk,
  sign,
} from '@settle/crypto';
import { type DurableStore } from '../storage/durable-store';
import {
  type DeviceKeystore,
  type KeyPurpose,
  KeystoreError,
  type KeystoreKey,
  type UserAuthenticationPrompt,
} from './keystore';

/**
 * Options of {@link SoftwareKeystore}.
 *
 * @example
 * ```ts
 * const options: SoftwareKeystoreOptions = { store: new MemoryStore(), authenticateUser: async () => true, backend: 'noble' };
 * ```
 */
export interface SoftwareKeystoreOptions {
  /** Where private keys are kept (as JWK JSON under `keystore.<alias>`). */
  readonly store: DurableStore;
  /** Stands in for the biometric prompt: resolves `true` if the user authenticated. */
  readonly authenticateUser: (prompt: UserAuthenticationPrompt | undefined) => Promise<boolean>;
  readonly backend: SignatureBackend;
}

interface StoredKey {
  readonly purpose: KeyPurpose;
  readonly privateJwk: PrivateJwk;
}

/**
 * A {@link DeviceKeystore} in software: keys are generated from the platform CSPRNG and kept in a
 * {@link DurableStore}. For tests, development and software wallets (Ed25519 allowed) only — keys
 * outside secure hardware cannot be attested, and the processor accepts them only where its policy
 * allows software wallets.
 *
 * @example
 * ```ts
 * import { MemoryStore, SoftwareKeystore } from '@settle/device-sdk';
 * const keystore = new SoftwareKeystore({ store: new MemoryStore(), authenticateUser: async () => true, backend: 'noble' });
 * const key = await keystore.generateKey('payment', { alg: 'ES256', purpose: 'payment' });
 * ```
 */
export class SoftwareKeystore implements DeviceKeystore {
  constructor(private readonly options: SoftwareKeystoreOptions) {}

  async generateKey(
    alias: string,
    options: { readonly alg: SignatureAlgorithm; readonly purpose: KeyPurpose },
  ): Promise<KeystoreKey> {
    if ((await this.options.store.read(storeKeyOf(alias))) !== undefined)
      throw new KeystoreError('KEY_EXISTS', `a key named ${alias} exists`);
    const { privateJwk } = generateKeyPair(options.alg);
    const stored: StoredKey = { purpose: options.purpose, privateJwk };
    await this.options.store.write(
      storeKeyOf(alias),
      new TextEncoder().encode(JSON.stringify(stored)),
    );
    return this.keyOf(alias, stored);
  }

  async getKey(alias: string): Promise<KeystoreKey | undefined> {
    const bytes = await this.options.store.read(storeKeyOf(alias));
    if (bytes === undefined) return undefined;
    const stored = JSON.parse(new TextDecoder().decode(bytes)) as StoredKey;
    return this.keyOf(alias, {
      purpose: stored.purpose,
      privateJwk: importPrivateJwk(stored.privateJwk),
    });
  }

  private keyOf(alias: string, stored: StoredKey): KeystoreKey {
    const { d: _secret, ...publicJwk } = stored.privateJwk;
    const publicKey: ProtocolPublicKey = protocolPublicKey(publicJwk);
    const { authenticateUser, backend } = this.options;
    return {
      alias,
      purpose: stored.purpose,
      publicKey,
      async sign(data: Uint8Array, prompt?: UserAuthenticationPrompt): Promise<Uint8Array> {
        if (stored.purpose === 'payment' && !(await authenticateUser(prompt))) {
          throw new KeystoreError('USER_AUTHENTICATION_FAILED', 'the user did not authenticate');
        }
        return sign({ alg: publicKey.alg, privateJwk: stored.privateJwk, data, backend });
      },
    };
  }
}

function storeKeyOf(alias: string): string {
  return `keystore.${alias}`;
}
