import { MessagingModule } from '@settle/messaging';
import { Module } from '@nestjs/common';
import { AccountBalanceController } from './account-balance/account-balance.controller';
import { BalanceCheckpointWriter } from './balance-checkpoints/balance-checkpoint-writer';
import { BalanceCheckpointsController } from './balance-checkpoints/balance-checkpoints.controller';
import { CheckJournalController } from './check-journal/check-journal.controller';
import { DecideApprovalController } from './decide-approval/decide-approval.controller';
import { DecideApprovalHandler } from './decide-approval/decide-approval.handler';
import { FundWalletController } from './fund-wallet/fund-wallet.controller';
import { FundWalletHandler } from './fund-wallet/fund-wallet.handler';
import { HeldMovementsController } from './held-movements/held-movements.controller';
import { JournalEntryController } from './journal-entry/journal-entry.controller';
import { MakerChecker } from './maker-checker/maker-checker';
import { SettlementMetrics } from './metrics/settlement-metrics';
import { RefundPaymentController } from './refund-payment/refund-payment.controller';
import { RefundPaymentHandler } from './refund-payment/refund-payment.handler';
import { PayOutController } from './pay-out/pay-out.controller';
import { PayOutHandler } from './pay-out/pay-out.handler';
import { SetFeeScheduleController } from './set-fee-schedule/set-fee-schedule.controller';
import { SetFeeScheduleHandler } from './set-fee-schedule/set-fee-schedule.handler';
import { SettlementOutcomeController } from './settlement-outcome/settlement-outcome.controller';
import { StatementsController } from './statements/statements.controller';
import { OpenAccountsConsumer } from './open-accounts/open-accounts.consumer';
import { SettlePaymentConsumer } from './settle-payment/settle-payment.consumer';

/**
 * Composition root of the ledger service: its use cases, with ports bound to adapters. The platform
 * (config, logger, DataSource, health, admin guard) is provided globally by bootstrapService.
 */
@Module({
  imports: [
    MessagingModule.forService({
      consumers: [OpenAccountsConsumer, SettlePaymentConsumer],
      outboxListeners: [SettlementMetrics],
    }),
  ],
  // One controller per admin use case (each folder holds its handler, route and tests).
  controllers: [
    SetFeeScheduleController,
    FundWalletController,
    RefundPaymentController,
    PayOutController,
    HeldMovementsController,
    DecideApprovalController,
    AccountBalanceController,
    JournalEntryController,
    SettlementOutcomeController,
    StatementsController,
    CheckJournalController,
    BalanceCheckpointsController,
  ],
  providers: [
    MakerChecker,
    SetFeeScheduleHandler,
    FundWalletHandler,
    RefundPaymentHandler,
    PayOutHandler,
    DecideApprovalHandler,
    BalanceCheckpointWriter,
  ],
})
export class LedgerModule {}
