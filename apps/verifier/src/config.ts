import { messagingConfig } from '@settle/messaging';
import { defineConfig, defineServiceConfig } from '@settle/platform';
import { type AttestationPolicies, parseAttestationPolicies } from './attestation/attestation-policies';

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
});

/** Every environment variable the verifier service reads. */
export const verifierConfig = defineServiceConfig('verifier', messagingConfig, verifierSettings);

/** The verifier's values as injected under SERVICE_CONFIG. */
export interface VerifierSettings {
  readonly SETTLE_VERIFIER_ATTESTATION_POLICY?: AttestationPolicies | undefined;
  readonly SETTLE_VERIFIER_ATTESTATION_POLICY_FILE?: string | undefined;
}
