import { Inject, Injectable } from '@nestjs/common';
import { deviceEnrolledV1, type DevicePlatform } from '@settle/contracts';
import { inTransaction, Outbox, requestCause, type SqlPool } from '@settle/messaging';
import { type Clock, CLOCK, SQL_POOL } from '@settle/platform';
import { type CreateResult, existingRecord } from '../adapters/create-result';
import { saveDeviceOffline } from '../adapters/postgres/registry-store';
import { offlineCapabilityEvent, registryEvent } from '../adapters/registry-events';
import { compareWithExisting } from '../domain/idempotent-create';
import { enrolledOfflineState } from '../domain/offline-capability';

export interface NewDevice {
  readonly deviceId: string;
  readonly accountId: string;
  readonly platform: DevicePlatform;
}

/**
 * Adds a device to a known account, idempotent by its id: device.enrolled and its initial offline
 * state (no limits yet; suspended if the account is overdrawn) in one transaction (the outbox).
 */
@Injectable()
export class AddDeviceHandler {
  constructor(
    @Inject(SQL_POOL) private readonly pool: SqlPool,
    private readonly outbox: Outbox,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  add(
    request: NewDevice,
    operatorId: string,
    requestId: string | null,
  ): Promise<CreateResult<NewDevice>> {
    return inTransaction(this.pool, async (sql) => {
      const now = this.clock.now().toISOString();
      const account = await sql.query<{ overdrawn: boolean }>(
        'SELECT overdrawn FROM registry_accounts WHERE account_id = $1 FOR SHARE',
        [request.accountId],
      );
      const inserted =
        account.rows.length === 0
          ? { rows: [] }
          : await sql.query(
              'INSERT INTO registry_devices (device_id, account_id, platform, enrolled_at, created_by) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (device_id) DO NOTHING RETURNING 1',
              [request.deviceId, request.accountId, request.platform, now, operatorId],
            );
      if (inserted.rows.length === 0) {
        const { rows } = await sql.query<{
          account_id: string;
          platform: string;
          enrolled_at: Date;
        }>('SELECT account_id, platform, enrolled_at FROM registry_devices WHERE device_id = $1', [
          request.deviceId,
        ]);
        if (!rows[0]) return { outcome: 'unknown-parent' };
        return existingRecord(
          compareWithExisting(
            {
              deviceId: request.deviceId,
              accountId: rows[0].account_id,
              platform: rows[0].platform,
            },
            { ...request },
          ),
          request,
          rows[0].enrolled_at,
        );
      }
      const offline = {
        deviceId: request.deviceId,
        accountId: request.accountId,
        state: { ...enrolledOfflineState(now), suspendedForOverdraft: account.rows[0]!.overdrawn },
      };
      await saveDeviceOffline(sql, offline, now);
      const cause = requestCause(requestId, now);
      await this.outbox.append(sql, [
        registryEvent(deviceEnrolledV1, { ...request, enrolledAt: now }, cause),
        offlineCapabilityEvent(offline, offline.state, 'enrolled', cause),
      ]);
      return { outcome: 'created', record: { ...request, createdAt: now } };
    });
  }
}
