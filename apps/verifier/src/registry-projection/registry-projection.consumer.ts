import { Injectable } from '@nestjs/common';
import {
  type DeviceCheckedInV1,
  type DeviceEnrolledV1,
  type DeviceOfflineCapabilityChangedV1,
  type MerchantOnboardedV1,
  type TerminalRegisteredV1,
} from '@settle/contracts';
import {
  type EventConsumer,
  type EventsOf,
  type SqlExecutor,
  unexpectedEvent,
} from '@settle/messaging';
import {
  type KeyEvent,
  saveCapabilityChanges,
  saveCheckIns,
  saveDevices,
  saveKeys,
  saveMerchants,
  saveTerminals,
} from './registry-projection.store';

/**
 * The verifier's own projection of the registry's compacted topics (migrations/0003), which is all
 * payment verification reads (DESIGN §2). A batch becomes one idempotent statement per table; every
 * statement is safe to repeat, so a redelivery or a replay from offset 0 yields the same rows. Its
 * consumer group is `verifier.registry-projection`.
 */
@Injectable()
export class RegistryProjectionConsumer implements EventConsumer {
  readonly name = 'registry-projection';
  // Literal names: test/architecture/deployment.spec.ts reads them to check the KafkaUser's read ACLs.
  readonly topics = [
    'registry.key-lifecycle.v1',
    'registry.devices.v1',
    'registry.terminals.v1',
    'registry.merchants.v1',
    'registry.device-check-ins.v1',
    'registry.device-offline-capability.v1',
  ] as const;

  readonly handle = async (
    sql: SqlExecutor,
    events: EventsOf<RegistryProjectionConsumer['topics']>,
  ): Promise<void> => {
    const batch = sortByType(events);
    // One transaction: readers see the whole batch or none of it. No foreign keys between the tables,
    // since each topic arrives on its own (a key may come before its device).
    await saveMerchants(sql, batch.merchants);
    await saveTerminals(sql, batch.terminals);
    await saveDevices(sql, batch.devices);
    await saveKeys(sql, batch.keys);
    await saveCheckIns(sql, batch.checkIns);
    await saveCapabilityChanges(sql, batch.capabilityChanges);
  };
}

interface ProjectionBatch {
  readonly keys: KeyEvent[];
  readonly devices: DeviceEnrolledV1[];
  readonly terminals: TerminalRegisteredV1[];
  readonly merchants: MerchantOnboardedV1[];
  readonly checkIns: DeviceCheckedInV1[];
  readonly capabilityChanges: DeviceOfflineCapabilityChangedV1[];
}

/** The batch's payloads by event type, each list in consumption order (per entity: partition order). */
function sortByType(events: EventsOf<RegistryProjectionConsumer['topics']>): ProjectionBatch {
  const batch: ProjectionBatch = {
    keys: [],
    devices: [],
    terminals: [],
    merchants: [],
    checkIns: [],
    capabilityChanges: [],
  };
  for (const { envelope } of events) {
    switch (envelope.type) {
      case 'key.lifecycle-changed':
        batch.keys.push({ key: envelope.payload, eventId: envelope.eventId });
        break;
      case 'device.enrolled':
        batch.devices.push(envelope.payload);
        break;
      case 'terminal.registered':
        batch.terminals.push(envelope.payload);
        break;
      case 'merchant.onboarded':
        batch.merchants.push(envelope.payload);
        break;
      case 'device.checked-in':
        batch.checkIns.push(envelope.payload);
        break;
      case 'device.offline-capability-changed':
        batch.capabilityChanges.push(envelope.payload);
        break;
      default:
        throw unexpectedEvent(envelope, "the verifier's registry projection does not handle it");
    }
  }
  return batch;
}
