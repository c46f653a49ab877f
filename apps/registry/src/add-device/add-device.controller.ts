import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  AdminOnly,
  AdminOperator,
  currentRequestId,
  JsonSchemaValidationPipe,
} from '@settle/platform';
import { createdOrProblem } from '../adapters/admin-problems';
import { deviceSchema } from '../adapters/http-schemas';
import { AddDeviceHandler, type NewDevice } from './add-device.handler';

/** An operator adds a device to an account (docs/registry.md, Admin API); audited by @AdminOnly. */
@ApiTags('admin')
@Controller('admin')
export class AddDeviceController {
  constructor(private readonly handler: AddDeviceHandler) {}

  @Post('devices')
  @HttpCode(HttpStatus.OK)
  @AdminOnly('registry.admin.device.create', { role: 'maker' })
  @ApiOperation({
    summary:
      'Adds a device to an account (idempotent by deviceId); publishes device.enrolled and its offline state.',
  })
  async createDevice(
    @Body(new JsonSchemaValidationPipe<NewDevice>(deviceSchema)) body: NewDevice,
    @AdminOperator() operatorId: string,
  ) {
    return createdOrProblem(
      await this.handler.add(body, operatorId, currentRequestId() ?? null),
      'deviceId',
      { field: 'accountId', kind: 'ACCOUNT' },
    );
  }
}
