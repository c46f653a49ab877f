import { MessagingModule } from '@settle/messaging';
import { Module } from '@nestjs/common';
import { AccountStatusConsumer } from './account-status/account-status.consumer';
import { RegistryAdminController } from './admin/registry-admin.controller';
import { RegistryAdminHandler } from './admin/registry-admin.handler';
import { AttestationResultsConsumer } from './attestation-results/attestation-results.consumer';
import { RegistryClockModule } from './clock';
import { EnrolmentController } from './register-keys/enrolment.controller';
import { EnrolmentHandler } from './register-keys/enrolment.handler';

/**
 * Composition root of the registry service: its use cases, with ports bound to adapters. The platform
 * (config, logger, DataSource, health, admin guard) is provided globally by bootstrapService.
 */
@Module({
  imports: [RegistryClockModule, MessagingModule.forService({ consumers: [AttestationResultsConsumer, AccountStatusConsumer] })],
  controllers: [RegistryAdminController, EnrolmentController],
  providers: [RegistryAdminHandler, EnrolmentHandler],
})
export class RegistryModule {}
