import { Global, Module } from '@nestjs/common';
import { keyCustodyProvider } from '@settle/key-custody';
import { MessagingModule } from '@settle/messaging';
import { BindingKeyLifecycleConsumer, ResourceGuardModule } from '@settle/resource-guard';
import { AttestationPoliciesModule } from './attestation/attestation-policies.module';
import { AttestationRequestsConsumer } from './attestation/attestation-requests.consumer';
import { ReceiptSigner } from './confirmations/receipt-signer';
import { SettlementOutcomesConsumer } from './confirmations/settlement-outcomes.consumer';
import { TransactionsController } from './confirmations/transactions.controller';
import { VerificationMetrics } from './metrics/verifier-metrics';
import { EndOfDayController } from './reconciliation/end-of-day.controller';
import { EndOfDayHandler } from './reconciliation/end-of-day.handler';
import { RegistryProjectionConsumer } from './registry-projection/registry-projection.consumer';
import { UploadsController } from './upload/uploads.controller';
import { UploadHandler } from './upload/upload.handler';
import { DecodedUploads } from './verify-payment/decoded-uploads';
import { DeviceCounterSweeper } from './verify-payment/device-counter-sweeper';
import { PaymentUploadedConsumer } from './verify-payment/payment-uploaded.consumer';

/** What the consumers (instantiated in MessagingModule's scope) and the controllers share. */
@Global()
@Module({
  providers: [keyCustodyProvider, ReceiptSigner, DecodedUploads],
  exports: [keyCustodyProvider, ReceiptSigner, DecodedUploads],
})
class VerifierSharedModule {}

/**
 * Composition root of the verifier service: its use cases, with ports bound to adapters. The platform
 * (config, logger, DataSource, health, admin guard) is provided globally by bootstrapService; the
 * resource guard checks terminals' and phones' bound access tokens, with binding-key states fed from
 * registry.key-lifecycle.v1 (BindingKeyLifecycleConsumer).
 */
@Module({
  imports: [
    AttestationPoliciesModule,
    VerifierSharedModule,
    ResourceGuardModule.forService(),
    MessagingModule.forService({
      consumers: [
        AttestationRequestsConsumer,
        BindingKeyLifecycleConsumer,
        RegistryProjectionConsumer,
        PaymentUploadedConsumer,
        SettlementOutcomesConsumer,
      ],
      outboxListeners: [VerificationMetrics],
    }),
  ],
  controllers: [UploadsController, TransactionsController, EndOfDayController],
  providers: [UploadHandler, EndOfDayHandler, DeviceCounterSweeper],
})
export class VerifierModule {}
