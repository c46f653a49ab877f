import { Body, Controller, HttpCode, HttpStatus, Param, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { type OfflineLimitV1 } from '@settle/contracts';
import {
  AdminOnly,
  AdminOperator,
  currentRequestId,
  JsonSchemaValidationPipe,
  ProblemException,
} from '@settle/platform';
import { notFound } from '../adapters/admin-problems';
import { identifier, offlineLimitsSchema } from '../adapters/http-schemas';
import { limitsProblem } from '../domain/offline-capability';
import { SetOfflineLimitsHandler } from './set-offline-limits.handler';

/** An operator sets a device's offline limits (docs/registry.md, Second operator); audited by @AdminOnly. */
@ApiTags('admin')
@Controller('admin')
export class SetOfflineLimitsController {
  constructor(private readonly handler: SetOfflineLimitsHandler) {}

  @Put('devices/:deviceId/offline-limits')
  @HttpCode(HttpStatus.OK)
  @AdminOnly('registry.admin.offline-limits.set', { role: 'maker' })
  @ApiOperation({
    summary:
      'Sets a device’s offline limits; above the configured amount the change waits for a second operator (202).',
  })
  async setOfflineLimits(
    @Param('deviceId', new JsonSchemaValidationPipe(identifier)) deviceId: string,
    @Body(new JsonSchemaValidationPipe<{ limits: OfflineLimitV1[] }>(offlineLimitsSchema))
    body: { limits: OfflineLimitV1[] },
    @AdminOperator() operatorId: string,
  ) {
    const invalid = limitsProblem(body.limits);
    if (invalid)
      throw ProblemException.validation([
        {
          field: `limits[${invalid.index}].${invalid.field}`,
          code: 'INVALID',
          message: invalid.message,
        },
      ]);
    const result = await this.handler.set(
      deviceId,
      body.limits,
      operatorId,
      currentRequestId() ?? null,
    );
    if (result.outcome === 'unknown-device') throw notFound(`Device ${deviceId}`, 'deviceId');
    return result;
  }
}
