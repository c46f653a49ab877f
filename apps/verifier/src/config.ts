import { keyCustodyConfig } from '@settle/key-custody';
import { messagingConfig } from '@settle/messaging';
import { defineConfig, defineServiceConfig, httpTlsConfig } from '@settle/platform';
import { resourceGuardConfig } from '@settle/resource-guard';
import {
  type AttestationPolicies,
  parseAttestationPolicies,
} from './attestation/attestation-policies';

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;

/** The verifier's own settings (docs/verifier.md explains them; docs/configuration.md lists them). */
export const verifierSettings = defineConfig({
  SETTLE_VERIFIER_ATTESTATION_POLICY: {
    type: 'json',
    parse: parseAttestationPolicies,
    description:
      'Attestation policy per registered class as JSON ({"development"?, "android"?, "ios"?, "web"?, "terminal"?}, each class overriding members of its production policy); unset: the production policies, which never accept format none. Format none for android, ios or terminal needs "development": true.',
  },
  SETTLE_VERIFIER_ATTESTATION_POLICY_FILE: {
    type: 'string',
    description:
      'Path of a JSON file with the attestation policy (same shape as SETTLE_VERIFIER_ATTESTATION_POLICY); set one of the two at most.',
  },
  SETTLE_VERIFIER_ANDROID_REVOCATION_LIST_URL: {
    type: 'string',
    default: 'https://android.googleapis.com/attestation/status',
    pattern: /^(https:\/\/\S+|off)$/,
    patternDescription: 'an https URL, or off',
    description:
      'Where Google’s Android attestation status list is fetched (stored in verifier_android_revocation_status). `off`: not fetched, the policy’s own list applies with no age limit — development only (an empty value is unset: the default URL).',
  },
  SETTLE_VERIFIER_ANDROID_REVOCATION_LIST_REFRESH_MS: {
    type: 'duration-ms',
    min: 60_000,
    max: dayMs,
    default: hourMs,
    description:
      'How often each replica fetches the Android status list (and reads back the stored copy).',
  },
  SETTLE_VERIFIER_ANDROID_REVOCATION_LIST_AGE_MAX_MS: {
    type: 'duration-ms',
    min: hourMs,
    max: 30 * dayMs,
    default: dayMs,
    description:
      'Oldest stored copy of the Android status list relied on: Android attestation is refused (REVOCATION_STATUS_LIST_STALE) once the copy is older, or while none was ever fetched.',
  },
  SETTLE_VERIFIER_ANDROID_REVOCATION_LIST_CA_FILE: {
    type: 'string',
    default: '',
    description:
      'PEM file of the CA certificate(s) trusted for the status list’s HTTPS server instead of the system roots (a mirror). Empty: the system roots.',
  },
  SETTLE_VERIFIER_PRESENTMENT_WINDOW_MS: {
    type: 'duration-ms',
    min: hourMs,
    max: 180 * dayMs,
    default: 30 * dayMs,
    description:
      'Longest time from the terminal’s approval to the upload: later uploads are rejected (PRESENTMENT_WINDOW_EXCEEDED); used device counters are kept this long plus a day, then deleted.',
  },
  SETTLE_VERIFIER_CLOCK_SKEW_MS: {
    type: 'duration-ms',
    min: 0,
    max: 15 * 60_000,
    default: 5 * 60_000,
    description:
      'How far in the future (from the upload’s receipt) an approval or authorization time may lie before the upload refuses it (TIMESTAMP_IN_FUTURE).',
  },
  SETTLE_VERIFIER_UPLOAD_RATE_PER_SECOND: {
    type: 'integer',
    min: 1,
    max: 10_000,
    default: 10,
    description:
      'Upload requests per second one terminal may sustain (shared by all replicas); past it: 429 with Retry-After.',
  },
  SETTLE_VERIFIER_UPLOAD_BURST: {
    type: 'integer',
    min: 1,
    max: 100_000,
    default: 60,
    description:
      'Upload requests one terminal may send at once before the per-second rate applies.',
  },
  SETTLE_VERIFIER_RECEIPT_KEY_PREPUBLISH_MS: {
    type: 'duration-ms',
    min: 0,
    max: 30 * dayMs,
    default: 7 * dayMs,
    description:
      'How long before it signs a new receipt key appears in GET /v1/receipt-keys, so terminals and phones learn it first.',
  },
  SETTLE_VERIFIER_RECEIPT_KEY_OVERLAP_MS: {
    type: 'duration-ms',
    min: 0,
    max: 365 * dayMs,
    default: 90 * dayMs,
    description:
      'How long a retired receipt key stays in GET /v1/receipt-keys, so confirmations it signed still verify offline.',
  },
});

/** Every environment variable the verifier service reads. */
export const verifierConfig = defineServiceConfig(
  'verifier',
  messagingConfig,
  keyCustodyConfig,
  resourceGuardConfig,
  httpTlsConfig,
  verifierSettings,
);

/** The verifier's values as injected under SERVICE_CONFIG. */
export interface VerifierSettings {
  readonly SETTLE_VERIFIER_ATTESTATION_POLICY?: AttestationPolicies | undefined;
  readonly SETTLE_VERIFIER_ATTESTATION_POLICY_FILE?: string | undefined;
  readonly SETTLE_VERIFIER_ANDROID_REVOCATION_LIST_URL: string;
  readonly SETTLE_VERIFIER_ANDROID_REVOCATION_LIST_REFRESH_MS: number;
  readonly SETTLE_VERIFIER_ANDROID_REVOCATION_LIST_AGE_MAX_MS: number;
  readonly SETTLE_VERIFIER_ANDROID_REVOCATION_LIST_CA_FILE: string;
  readonly SETTLE_VERIFIER_PRESENTMENT_WINDOW_MS: number;
  readonly SETTLE_VERIFIER_CLOCK_SKEW_MS: number;
  readonly SETTLE_VERIFIER_UPLOAD_RATE_PER_SECOND: number;
  readonly SETTLE_VERIFIER_UPLOAD_BURST: number;
  readonly SETTLE_VERIFIER_RECEIPT_KEY_PREPUBLISH_MS: number;
  readonly SETTLE_VERIFIER_RECEIPT_KEY_OVERLAP_MS: number;
}
