import { defineConfig } from '@settle/platform';

/**
 * The setting of a service that signs with processor keys (docs/configuration.md).
 *
 * @example
 * ```ts
 * export const registryConfig = defineServiceConfig('registry', messagingConfig, keyCustodyConfig, registrySettings);
 * ```
 */
export const keyCustodyConfig = defineConfig({
  SETTLE_KEY_CUSTODY_FILE: {
    type: 'string',
    default: '',
    description:
      'JSON file of the processor signing keys this service uses (a mounted Secret; format in docs/security.md). Empty: the service refuses to sign. A KMS or HSM adapter replaces it.',
  },
});

/**
 * The value as injected under SERVICE_CONFIG.
 *
 * @example
 * ```ts
 * constructor(@Inject(SERVICE_CONFIG) config: KeyCustodySettings) {}
 * ```
 */
export interface KeyCustodySettings {
  readonly SETTLE_KEY_CUSTODY_FILE: string;
}
