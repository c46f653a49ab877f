import { Injectable } from '@nestjs/common';
import { type ConsumedEvent, type EventConsumer, type SqlExecutor } from '@settle/messaging';

/** STUB (being written): payment.settled / payment.settlement-failed → status and signed confirmation. */
@Injectable()
export class SettlementOutcomesConsumer implements EventConsumer {
  readonly name = 'settlement-outcomes';
  readonly topics = ['payments.settlements.v1'] as const;
  readonly handle = async (_sql: SqlExecutor, _events: readonly ConsumedEvent[]): Promise<void> => {};
}
