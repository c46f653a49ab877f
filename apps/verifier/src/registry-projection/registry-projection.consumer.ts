import { Injectable } from '@nestjs/common';
import { type ConsumedEvent, type EventConsumer, type SqlExecutor } from '@settle/messaging';

/** STUB (being written): the verifier's projection of the registry topics (migrations/0003). */
@Injectable()
export class RegistryProjectionConsumer implements EventConsumer {
  readonly name = 'registry-projection';
  readonly topics = ['registry.key-lifecycle.v1'] as const;
  readonly handle = async (_sql: SqlExecutor, _events: readonly ConsumedEvent[]): Promise<void> => {};
}
