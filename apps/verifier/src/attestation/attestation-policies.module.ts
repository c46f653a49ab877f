import { Global, Module } from '@nestjs/common';
import { SERVICE_CONFIG } from '@settle/platform';
import { type VerifierSettings } from '../config';
import { loadAttestationPolicies } from './attestation-policies';

export const VERIFIER_ATTESTATION_POLICIES = 'settle.verifier.ATTESTATION_POLICIES';

/** The checked policies, loaded once at start-up. Global, for the consumers in MessagingModule's scope. */
@Global()
@Module({
  providers: [{ provide: VERIFIER_ATTESTATION_POLICIES, inject: [SERVICE_CONFIG], useFactory: (config: VerifierSettings) => loadAttestationPolicies(config) }],
  exports: [VERIFIER_ATTESTATION_POLICIES],
})
export class AttestationPoliciesModule {}
