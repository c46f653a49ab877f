import { Body, Controller, HttpCode, HttpStatus, Param, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { type OfflineCapability } from '@settle/contracts';
import { AdminOnly, currentRequestId, JsonSchemaValidationPipe } from '@settle/platform';
import { notFound } from '../adapters/admin-problems';
import { identifier, offlineCapabilitySchema } from '../adapters/http-schemas';
import { SetOfflineCapabilityHandler } from './set-offline-capability.handler';

/** An operator suspends or re-enables a device's offline payments (docs/registry.md, Offline capability); audited by @AdminOnly. */
@ApiTags('admin')
@Controller('admin')
export class SetOfflineCapabilityController {
  constructor(private readonly handler: SetOfflineCapabilityHandler) {}

  @Put('devices/:deviceId/offline-capability')
  @HttpCode(HttpStatus.OK)
  @AdminOnly('registry.admin.offline-capability.set', { role: 'maker' })
  @ApiOperation({
    summary:
      'An operator suspends or re-enables a device’s offline payments (an overdraft suspension stays until back in funds).',
  })
  async setOfflineCapability(
    @Param('deviceId', new JsonSchemaValidationPipe(identifier)) deviceId: string,
    @Body(new JsonSchemaValidationPipe<{ capability: OfflineCapability }>(offlineCapabilitySchema))
    body: { capability: OfflineCapability },
  ) {
    const result = await this.handler.set(deviceId, body.capability, currentRequestId() ?? null);
    if (result.outcome === 'unknown-device') throw notFound(`Device ${deviceId}`, 'deviceId');
    return { deviceId, capability: result.capability };
  }
}
