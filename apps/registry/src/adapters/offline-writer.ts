import { type Causation, type Outbox, type SqlExecutor } from '@settle/messaging';
import {
  decideOffline,
  type OfflineCommand,
  type OfflineState,
} from '../domain/offline-capability';
import { loadDeviceOffline, saveDeviceOffline } from './postgres/registry-store';
import { offlineCapabilityEvent } from './registry-events';

/**
 * Applies one command to a device's offline state inside the caller's transaction: lock the row,
 * decide, save and append device.offline-capability-changed when something changed. Null for an
 * unknown device; the unchanged state when there was nothing to do.
 */
export async function applyOfflineCommand(
  sql: SqlExecutor,
  outbox: Outbox,
  deviceId: string,
  command: OfflineCommand,
  cause: Causation,
): Promise<OfflineState | null> {
  const device = await loadDeviceOffline(sql, deviceId);
  if (!device) return null;
  const decision = decideOffline(device.state, command);
  if (decision.outcome === 'unchanged') return device.state;
  await saveDeviceOffline(sql, { ...device, state: decision.state }, cause.occurredAt);
  await outbox.append(sql, [
    offlineCapabilityEvent(device, decision.state, decision.reason, cause),
  ]);
  return decision.state;
}
