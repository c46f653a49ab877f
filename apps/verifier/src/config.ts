import { keyCustodyConfig } from '@settle/key-custody';
import { messagingConfig } from '@settle/messaging';
import { defineConfig, defineServiceConfig, httpTlsConfig } from '@settle/platform';
import { resourceGuardConfig } from '@settle/resource-guard';
import { type AttestationPolicies, parseAttestationPolicies } from './attestation/attestation-policies';

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;

/** The verifier's own settings (docs/verifier.md explains them; docs/configuration.md lists them). */
export const verifierSettings = defineConfig({
  SETTLE_VERIFIER_ATTESTATION_POLICY: {
    type: 'json',
    parse: parseAttestationPolicies,
    description:
      'Attestation policy per device class as JSON ({"android"?, "ios"?, "web"?}, each overriding members of the production policy); unset: the production policies, which never accept format none.',
  },
  SETTLE_VERIFIER_ATTESTATION_POLICY_FILE: {
    type: 'string',
    description: 'Path of a JSON file with the attestation policy (same shape as SETTLE_VERIFIER_ATTESTATION_POLICY); set one of the two at most.',
  },
  SETTLE_VERIFIER_PRESENTMENT_WINDOW_MS: {
    type: 'duration-ms',
    min: hourMs,
    max: 180 * dayMs,
    default: 30 * dayMs,
    description: 'Longest time from the terminal’s approval to the upload: later uploads are rejected (PRESENTMENT_WINDOW_EXCEEDED); used device counters are kept this long plus a day, then deleted.',
  },
  SETTLE_VERIFIER_CLOCK_SKEW_MS: {
    type: 'duration-ms',
    min: 0,
    max: 15 * 60_000,
    default: 5 * 60_000,
    description: 'How far in the future (from the upload’s receipt) an approval or authorization time may lie before the upload refuses it (TIMESTAMP_IN_FUTURE).',
  },
  SETTLE_VERIFIER_UPLOAD_RATE_PER_SECOND: {
    type: 'integer',
    min: 1,
    max: 10_000,
    default: 10,
    description: 'Upload requests per second one terminal may sustain (shared by all replicas); past it: 429 with Retry-After.',
  },
  SETTLE_VERIFIER_UPLOAD_BURST: {
    type: 'integer',
    min: 1,
    max: 100_000,
    default: 60,
    description: 'Upload requests one terminal may send at once before the per-second rate applies.',
  },
  SETTLE_VERIFIER_RECEIPT_KEY_PREPUBLISH_MS: {
    type: 'duration-ms',
    min: 0,
    max: 30 * dayMs,
    default: 7 * dayMs,
    description: 'How long before it signs a new receipt key appears in GET /v1/receipt-keys, so terminals and phones learn it first.',
  },
  SETTLE_VERIFIER_RECEIPT_KEY_OVERLAP_MS: {
    type: 'duration-ms',
    min: 0,
    max: 365 * dayMs,
    default: 90 * dayMs,
    description: 'How long a retired receipt key stays in GET /v1/receipt-keys, so confirmations it signed still verify offline.',
  },
});

/** Every environment variable the verifier service reads. */
export const verifierConfig = defineServiceConfig('verifier', messagingConfig, keyCustodyConfig, resourceGuardConfig, httpTlsConfig, verifierSettings);

/** The verifier's values as injected under SERVICE_CONFIG. */
export interface VerifierSettings {
  readonly SETTLE_VERIFIER_ATTESTATION_POLICY?: AttestationPolicies | undefined;
  readonly SETTLE_VERIFIER_ATTESTATION_POLICY_FILE?: string | undefined;
  readonly SETTLE_VERIFIER_PRESENTMENT_WINDOW_MS: number;
  readonly SETTLE_VERIFIER_CLOCK_SKEW_MS: number;
  readonly SETTLE_VERIFIER_UPLOAD_RATE_PER_SECOND: number;
  readonly SETTLE_VERIFIER_UPLOAD_BURST: number;
  readonly SETTLE_VERIFIER_RECEIPT_KEY_PREPUBLISH_MS: number;
  readonly SETTLE_VERIFIER_RECEIPT_KEY_OVERLAP_MS: number;
}
