import { attestationLevels } from '@settle/contracts';
import { keyCustodyConfig, type KeyCustodySettings } from '@settle/key-custody';
import { messagingConfig } from '@settle/messaging';
import { defineConfig, defineServiceConfig, httpTlsConfig } from '@settle/platform';
import { resourceGuardConfig } from '@settle/resource-guard';
import {
  offlineAttestationLevelsDefault,
  offlineAttestationLevelsPattern,
} from './domain/offline-attestation';

/** The registry's own settings (docs/registry.md explains them; docs/configuration.md lists them). */
export const registrySettings = defineConfig({
  SETTLE_REGISTRY_ENROLMENT_CODE_TTL_MS: {
    type: 'duration-ms',
    min: 60_000,
    max: 30 * 24 * 3_600_000,
    default: 7 * 24 * 3_600_000,
    description: 'How long an enrolment code issued through the admin API stays usable.',
  },
  SETTLE_REGISTRY_CHALLENGE_TTL_MS: {
    type: 'duration-ms',
    min: 10_000,
    max: 3_600_000,
    default: 300_000,
    description:
      'How long an attestation challenge stays usable before the keys must be registered.',
  },
  SETTLE_REGISTRY_CHALLENGES_PER_CODE_MAX: {
    type: 'integer',
    min: 1,
    max: 100,
    default: 5,
    description:
      'Challenges one enrolment code may obtain (the enrolment rate limit, shared by all replicas).',
  },
  SETTLE_REGISTRY_LIMIT_APPROVAL_THRESHOLD: {
    type: 'string',
    pattern: /^(0|[1-9][0-9]{0,18})$/,
    patternDescription: 'a non-negative integer amount in minor units',
    default: '100000',
    description:
      'An offline limit above this amount (minor units, any currency) needs a second operator to approve the change.',
  },
  SETTLE_REGISTRY_DEVICE_CREDENTIAL_VALIDITY_MS: {
    type: 'duration-ms',
    min: 60_000,
    max: 7 * 24 * 3_600_000,
    default: 24 * 3_600_000,
    description:
      'How long a device credential issued at a check-in stays valid (a device offline longer cannot pay offline).',
  },
  SETTLE_REGISTRY_TERMINAL_CREDENTIAL_VALIDITY_MS: {
    type: 'duration-ms',
    min: 3_600_000,
    max: 90 * 24 * 3_600_000,
    default: 30 * 24 * 3_600_000,
    description:
      'How long a terminal credential stays valid (what a phone trusts to show the merchant name offline).',
  },
  SETTLE_REGISTRY_DEVICE_CREDENTIALS_PER_MINUTE: {
    type: 'integer',
    min: 1,
    max: 600,
    default: 2,
    description:
      'Check-ins a device, and terminal credentials a terminal, may obtain per minute after the burst (each signs, stores and publishes); more answer 429 with Retry-After.',
  },
  SETTLE_REGISTRY_DEVICE_CREDENTIAL_BURST: {
    type: 'integer',
    min: 1,
    max: 1_000,
    default: 10,
    description:
      'Check-ins (or terminal credentials) one device (or terminal) may obtain at once before SETTLE_REGISTRY_DEVICE_CREDENTIALS_PER_MINUTE applies.',
  },
  SETTLE_REGISTRY_OFFLINE_ATTESTATION_LEVELS: {
    type: 'string',
    default: offlineAttestationLevelsDefault.join(','),
    pattern: offlineAttestationLevelsPattern,
    patternDescription: `attestation levels (${attestationLevels.join(', ')}) separated by commas`,
    description:
      'Attestation levels whose payment keys get an offline allowance (device check-ins, terminal credentials); a key attested below them is refused both (409 ATTESTATION_LEVEL_NOT_OFFLINE). Add software only where software keys may pay offline (development, tests).',
  },
  SETTLE_REGISTRY_CREDENTIAL_KEY_PREPUBLISH_MS: {
    type: 'duration-ms',
    min: 0,
    max: 30 * 24 * 3_600_000,
    default: 7 * 24 * 3_600_000,
    description:
      'How long before it signs a new credential-signing key appears in GET /v1/credential-keys, so offline devices learn it first.',
  },
});

/** Every environment variable the registry service reads. */
export const registryConfig = defineServiceConfig(
  'registry',
  messagingConfig,
  keyCustodyConfig,
  resourceGuardConfig,
  httpTlsConfig,
  registrySettings,
);

/** The registry's values as injected under SERVICE_CONFIG. */
export interface RegistrySettings extends KeyCustodySettings {
  readonly SETTLE_REGISTRY_ENROLMENT_CODE_TTL_MS: number;
  readonly SETTLE_REGISTRY_CHALLENGE_TTL_MS: number;
  readonly SETTLE_REGISTRY_CHALLENGES_PER_CODE_MAX: number;
  readonly SETTLE_REGISTRY_LIMIT_APPROVAL_THRESHOLD: string;
  readonly SETTLE_REGISTRY_DEVICE_CREDENTIAL_VALIDITY_MS: number;
  readonly SETTLE_REGISTRY_TERMINAL_CREDENTIAL_VALIDITY_MS: number;
  readonly SETTLE_REGISTRY_CREDENTIAL_KEY_PREPUBLISH_MS: number;
  readonly SETTLE_REGISTRY_DEVICE_CREDENTIALS_PER_MINUTE: number;
  readonly SETTLE_REGISTRY_DEVICE_CREDENTIAL_BURST: number;
  readonly SETTLE_REGISTRY_OFFLINE_ATTESTATION_LEVELS: string;
}
