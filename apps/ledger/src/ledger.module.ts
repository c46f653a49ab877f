import { MessagingModule } from '@settle/messaging';
import { Module } from '@nestjs/common';
import { ApprovalsController } from './admin/approvals.controller';
import { ApprovalsHandler } from './admin/approvals.handler';
import { LedgerAdminController } from './admin/ledger-admin.controller';
import { MakerChecker } from './admin/maker-checker';
import { CheckJournalController } from './check-journal/check-journal.controller';
import { FundWalletHandler } from './fund-wallet/fund-wallet.handler';
import { SettlementMetrics } from './metrics/settlement-metrics';
import { RefundPaymentController } from './refund-payment/refund-payment.controller';
import { RefundPaymentHandler } from './refund-payment/refund-payment.handler';
import { PayOutController } from './pay-out/pay-out.controller';
import { PayOutHandler } from './pay-out/pay-out.handler';
import { StatementsController } from './statements/statements.controller';
import { OpenAccountsConsumer } from './open-accounts/open-accounts.consumer';
import { SettlePaymentConsumer } from './settle-payment/settle-payment.consumer';

/**
 * Composition root of the ledger service: its use cases, with ports bound to adapters. The platform
 * (config, logger, DataSource, health, admin guard) is provided globally by bootstrapService.
 */
@Module({
  imports: [MessagingModule.forService({ consumers: [OpenAccountsConsumer, SettlePaymentConsumer], outboxListeners: [SettlementMetrics] })],
  controllers: [LedgerAdminController, ApprovalsController, CheckJournalController, RefundPaymentController, PayOutController, StatementsController],
  providers: [MakerChecker, FundWalletHandler, RefundPaymentHandler, PayOutHandler, ApprovalsHandler],
})
export class LedgerModule {}
