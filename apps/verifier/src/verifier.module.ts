import { MessagingModule } from '@settle/messaging';
import { Module } from '@nestjs/common';

/**
 * Composition root of the verifier service: its use cases, with ports bound to adapters. The platform
 * (config, logger, DataSource, health, admin guard) is provided globally by bootstrapService.
 */
@Module({ imports: [MessagingModule.forService()] })
export class VerifierModule {}
