import { Injectable } from '@nestjs/common';
import { type ConsumedEvent, type EventConsumer, type SqlExecutor } from '@settle/messaging';

/** STUB (being written): verifies each payment.uploaded. */
@Injectable()
export class PaymentUploadedConsumer implements EventConsumer {
  readonly name = 'payments';
  readonly topics = ['payments.uploaded.v1'] as const;
  readonly handle = async (_sql: SqlExecutor, _events: readonly ConsumedEvent[]): Promise<void> => {};
}
