import { MessagingModule } from '@settle/messaging';
import { Module } from '@nestjs/common';
import { AdminWhoamiController } from './admin-whoami/admin-whoami.controller';

/**
 * Composition root of the ledger service: its use cases, with ports bound to adapters. The platform
 * (config, logger, DataSource, health, admin guard) is provided globally by bootstrapService.
 */
@Module({ imports: [MessagingModule.forService()], controllers: [AdminWhoamiController] })
export class LedgerModule {}
