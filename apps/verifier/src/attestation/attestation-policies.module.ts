import { Global, Module } from '@nestjs/common';
import { SERVICE_CONFIG } from '@settle/platform';
import { type VerifierSettings } from '../config';
import { loadAttestationPolicies } from './attestation-policies';
import { AndroidRevocationStatus } from './android-revocation-status';

export const VERIFIER_ATTESTATION_POLICIES = 'settle.verifier.ATTESTATION_POLICIES';

/**
 * The checked policies, loaded once at start-up, and the Android revocation status list they use,
 * refreshed on a schedule. Global, for the consumers in MessagingModule's scope.
 */
@Global()
@Module({
  providers: [
    {
      provide: VERIFIER_ATTESTATION_POLICIES,
      inject: [SERVICE_CONFIG],
      useFactory: (config: VerifierSettings) => loadAttestationPolicies(config),
    },
    AndroidRevocationStatus,
  ],
  exports: [VERIFIER_ATTESTATION_POLICIES, AndroidRevocationStatus],
})
export class AttestationPoliciesModule {}
