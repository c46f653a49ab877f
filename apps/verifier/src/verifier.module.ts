import { MessagingModule } from '@settle/messaging';
import { Module } from '@nestjs/common';
import { AttestationPoliciesModule } from './attestation/attestation-policies.module';
import { AttestationRequestsConsumer } from './attestation/attestation-requests.consumer';
import { VerifierClockModule } from './clock';

/**
 * Composition root of the verifier service: its use cases, with ports bound to adapters. The platform
 * (config, logger, DataSource, health, admin guard) is provided globally by bootstrapService.
 */
@Module({ imports: [VerifierClockModule, AttestationPoliciesModule, MessagingModule.forService({ consumers: [AttestationRequestsConsumer] })] })
export class VerifierModule {}
