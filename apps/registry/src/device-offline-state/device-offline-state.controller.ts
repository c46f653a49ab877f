import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { type SqlPool } from '@settle/messaging';
import { AdminOnly, JsonSchemaValidationPipe, SQL_POOL } from '@settle/platform';
import { notFound } from '../adapters/admin-problems';
import { identifier } from '../adapters/http-schemas';
import { loadDeviceOffline } from '../adapters/postgres/registry-store';
import { capabilityOf } from '../domain/offline-capability';

/** A device's offline state for an operator: one read, so no handler of its own. Audited by @AdminOnly. */
@ApiTags('admin')
@Controller('admin')
export class DeviceOfflineStateController {
  constructor(@Inject(SQL_POOL) private readonly pool: SqlPool) {}

  @Get('devices/:deviceId/offline')
  @AdminOnly('registry.admin.offline.read')
  @ApiOperation({ summary: 'A device’s offline state: capability, limits, last check-in.' })
  async offline(@Param('deviceId', new JsonSchemaValidationPipe(identifier)) deviceId: string) {
    const device = await loadDeviceOffline(this.pool, deviceId, false);
    if (!device) throw notFound(`Device ${deviceId}`, 'deviceId');
    return {
      deviceId,
      accountId: device.accountId,
      capability: capabilityOf(device.state),
      ...device.state,
    };
  }
}
