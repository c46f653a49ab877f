import { Injectable } from '@nestjs/common';
import { keyLifecycleChangedV1 } from '@settle/contracts';
import { type EventConsumer, type EventsOf, type SqlExecutor } from '@settle/messaging';
import { upsertBindingKeyState } from './binding-key-table';

/**
 * Feeds `resource_guard_binding_keys` from `registry.key-lifecycle.v1`, through the service's inbox
 * (exactly-once effects). List it in `MessagingModule.forService({ consumers: [BindingKeyLifecycleConsumer] })`
 * of every service whose guard uses the default key status; its consumer group is
 * `<service>.resource-guard-binding-keys`.
 *
 * @example
 * MessagingModule.forService({ consumers: [SettlePaymentConsumer, BindingKeyLifecycleConsumer] })
 */
@Injectable()
export class BindingKeyLifecycleConsumer implements EventConsumer {
  readonly name = 'resource-guard-binding-keys';
  readonly topics = ['registry.key-lifecycle.v1'] as const;

  readonly handle = async (
    sql: SqlExecutor,
    events: EventsOf<BindingKeyLifecycleConsumer['topics']>,
  ): Promise<void> => {
    for (const { envelope } of events) {
      if (envelope.type !== keyLifecycleChangedV1.type) continue;
      await upsertBindingKeyState(sql, envelope);
    }
  };
}
