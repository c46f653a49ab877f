import { Injectable } from '@nestjs/common';
import {
  deviceCheckedInV1,
  type DeviceCheckedInV1,
  deviceEnrolledV1,
  type DeviceEnrolledV1,
  deviceOfflineCapabilityChangedV1,
  type DeviceOfflineCapabilityChangedV1,
  keyLifecycleChangedV1,
  merchantOnboardedV1,
  type MerchantOnboardedV1,
  terminalRegisteredV1,
  type TerminalRegisteredV1,
} from '@settle/contracts';
import {
  type ConsumedEvent,
  type EventConsumer,
  PermanentEventError,
  type SqlExecutor,
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

  readonly handle = async (sql: SqlExecutor, events: readonly ConsumedEvent[]): Promise<void> => {
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
function sortByType(events: readonly ConsumedEvent[]): ProjectionBatch {
  const batch: ProjectionBatch = {
    keys: [],
    devices: [],
    terminals: [],
    merchants: [],
    checkIns: [],
    capabilityChanges: [],
  };
  for (const { envelope } of events) {
    const payload: unknown = envelope.payload;
    switch (envelope.type) {
      case keyLifecycleChangedV1.type:
        batch.keys.push({ key: payload as KeyEvent['key'], eventId: envelope.eventId });
        break;
      case deviceEnrolledV1.type:
        batch.devices.push(payload as DeviceEnrolledV1);
        break;
      case terminalRegisteredV1.type:
        batch.terminals.push(payload as TerminalRegisteredV1);
        break;
      case merchantOnboardedV1.type:
        batch.merchants.push(payload as MerchantOnboardedV1);
        break;
      case deviceCheckedInV1.type:
        batch.checkIns.push(payload as DeviceCheckedInV1);
        break;
      case deviceOfflineCapabilityChangedV1.type:
        batch.capabilityChanges.push(payload as DeviceOfflineCapabilityChangedV1);
        break;
      default:
        throw new PermanentEventError(
          'UNEXPECTED_EVENT_TYPE',
          `the verifier's registry projection does not handle ${envelope.type}`,
        );
    }
  }
  return batch;
}
