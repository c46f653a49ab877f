import type { Provider } from '@nestjs/common';
import { SERVICE_CONFIG } from '@settle/platform';
import { KeyCustodyError } from './errors';
import { FileKeyCustody } from './file-key-custody';
import { type CustodyKey, KEY_CUSTODY, type KeyCustody } from './key-custody';
import type { KeyCustodySettings } from './key-custody-config';

class UnconfiguredKeyCustody implements KeyCustody {
  async keys(): Promise<readonly CustodyKey[]> {
    return [];
  }

  async sign(): Promise<Uint8Array> {
    throw new KeyCustodyError(
      'ERR_NO_SIGNING_KEY',
      'SETTLE_KEY_CUSTODY_FILE is not set: this service has no signing keys',
    );
  }
}

/**
 * Provides `KEY_CUSTODY` from SETTLE_KEY_CUSTODY_FILE; without it, custody holds no key and every
 * signature is refused (never a silently generated key).
 *
 * @example
 * ```ts
 * @Module({ providers: [keyCustodyProvider, IssueCredential] })
 * export class RegistryModule {}
 * ```
 */
export const keyCustodyProvider: Provider = {
  provide: KEY_CUSTODY,
  inject: [SERVICE_CONFIG],
  useFactory: (config: KeyCustodySettings): KeyCustody =>
    config.SETTLE_KEY_CUSTODY_FILE === ''
      ? new UnconfiguredKeyCustody()
      : FileKeyCustody.fromFile(config.SETTLE_KEY_CUSTODY_FILE),
};
