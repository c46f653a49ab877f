import { Body, Controller, Get, HttpCode, HttpStatus, Inject, Param, Post, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { type KeyStateReason, type OfflineCapability, type OfflineLimitV1 } from '@settle/contracts';
import { type SqlPool } from '@settle/messaging';
import { AdminOnly, AdminOperator, currentRequestId, JsonSchemaValidationPipe, ProblemException, SQL_POOL } from '@settle/platform';
import {
  accountSchema,
  deviceSchema,
  enrolmentCodeRequestSchema,
  identifier,
  keyIdParam,
  keyReasonSchema,
  merchantSchema,
  offlineCapabilitySchema,
  offlineLimitsSchema,
  terminalSchema,
  uuid,
} from '../adapters/http-schemas';
import { keyPayload, loadDeviceOffline, loadKeys } from '../adapters/postgres/registry-store';
import { type EnrolmentSubject } from '../domain/enrolment-code';
import { type KeyCommand } from '../domain/key-lifecycle';
import { capabilityOf, limitsProblem } from '../domain/offline-capability';
import { type CreateResult, type KeyChangeResult, type NewAccount, type NewDevice, type NewMerchant, type NewTerminal, RegistryAdminHandler } from './registry-admin.handler';

const problem = (status: number, code: string, title: string, field: string, message: string) =>
  new ProblemException({ status, code, title, detail: `${field}: ${message}`, errors: [{ field, code, message }] });
const notFound = (what: string, field: string) => problem(HttpStatus.NOT_FOUND, 'NOT_FOUND', 'Not found', field, `${what} was not found`);

/** created / duplicate as 200 with the record; a conflicting duplicate is 409 naming the id field. */
function answer<T>(result: CreateResult<T>, idField: string, parentField: string, parent: string): { outcome: 'created' | 'duplicate' } & T & { createdAt: string } {
  switch (result.outcome) {
    case 'created':
    case 'duplicate':
      return { outcome: result.outcome, ...result.record };
    case 'conflict':
      throw problem(HttpStatus.CONFLICT, 'ALREADY_EXISTS_WITH_DIFFERENT_CONTENT', 'Already exists', idField, 'exists with different content');
    case 'unknown-parent':
      throw problem(HttpStatus.UNPROCESSABLE_ENTITY, `UNKNOWN_${parent}`, 'Unknown reference', parentField, `names no known ${parent.toLowerCase()}`);
  }
}

/** Operators' actions on the registry (docs/registry.md). Every route is audited by @AdminOnly. */
@ApiTags('admin')
@Controller('admin')
export class RegistryAdminController {
  constructor(
    @Inject(SQL_POOL) private readonly pool: SqlPool,
    private readonly handler: RegistryAdminHandler,
  ) {}

  @Post('accounts')
  @HttpCode(HttpStatus.OK)
  @AdminOnly('registry.admin.account.create')
  @ApiOperation({ summary: 'Opens a consumer account (idempotent by accountId); publishes account.opened.' })
  async createAccount(@Body(new JsonSchemaValidationPipe<NewAccount>(accountSchema)) body: NewAccount, @AdminOperator() operatorId: string) {
    return answer(await this.handler.createAccount(body, operatorId, currentRequestId() ?? null), 'accountId', '', '');
  }

  @Post('merchants')
  @HttpCode(HttpStatus.OK)
  @AdminOnly('registry.admin.merchant.create')
  @ApiOperation({ summary: 'Onboards a merchant (idempotent by merchantId); publishes merchant.onboarded.' })
  async createMerchant(@Body(new JsonSchemaValidationPipe<NewMerchant>(merchantSchema)) body: NewMerchant, @AdminOperator() operatorId: string) {
    return answer(await this.handler.createMerchant(body, operatorId, currentRequestId() ?? null), 'merchantId', '', '');
  }

  @Post('terminals')
  @HttpCode(HttpStatus.OK)
  @AdminOnly('registry.admin.terminal.create')
  @ApiOperation({ summary: 'Registers a terminal of a merchant (idempotent by terminalId); publishes terminal.registered.' })
  async createTerminal(@Body(new JsonSchemaValidationPipe<NewTerminal>(terminalSchema)) body: NewTerminal, @AdminOperator() operatorId: string) {
    return answer(await this.handler.createTerminal(body, operatorId, currentRequestId() ?? null), 'terminalId', 'merchantId', 'MERCHANT');
  }

  @Post('devices')
  @HttpCode(HttpStatus.OK)
  @AdminOnly('registry.admin.device.create')
  @ApiOperation({ summary: 'Adds a device to an account (idempotent by deviceId); publishes device.enrolled and its offline state.' })
  async createDevice(@Body(new JsonSchemaValidationPipe<NewDevice>(deviceSchema)) body: NewDevice, @AdminOperator() operatorId: string) {
    return answer(await this.handler.createDevice(body, operatorId, currentRequestId() ?? null), 'deviceId', 'accountId', 'ACCOUNT');
  }

  @Post('enrolment-codes')
  @AdminOnly('registry.admin.enrolment-code.issue')
  @ApiOperation({ summary: 'Issues a single-use, expiring enrolment code for an account or a terminal; the code is shown only in this answer.' })
  async issueEnrolmentCode(@Body(new JsonSchemaValidationPipe<{ subject: EnrolmentSubject }>(enrolmentCodeRequestSchema)) body: { subject: EnrolmentSubject }, @AdminOperator() operatorId: string) {
    const result = await this.handler.issueEnrolmentCode(body.subject, operatorId);
    if (result.outcome === 'unknown-subject') throw notFound(`${body.subject.kind} ${body.subject.id}`, 'subject.id');
    return { code: result.code, subject: body.subject, expiresAt: result.expiresAt };
  }

  @Put('devices/:deviceId/offline-limits')
  @HttpCode(HttpStatus.OK)
  @AdminOnly('registry.admin.offline-limits.set')
  @ApiOperation({ summary: 'Sets a device’s offline limits; above the configured amount the change waits for a second operator (202).' })
  async setOfflineLimits(
    @Param('deviceId', new JsonSchemaValidationPipe(identifier)) deviceId: string,
    @Body(new JsonSchemaValidationPipe<{ limits: OfflineLimitV1[] }>(offlineLimitsSchema)) body: { limits: OfflineLimitV1[] },
    @AdminOperator() operatorId: string,
  ) {
    const invalid = limitsProblem(body.limits);
    if (invalid) throw ProblemException.validation([{ field: `limits[${invalid.index}].${invalid.field}`, code: 'INVALID', message: invalid.message }]);
    const result = await this.handler.setOfflineLimits(deviceId, body.limits, operatorId, currentRequestId() ?? null);
    if (result.outcome === 'unknown-device') throw notFound(`Device ${deviceId}`, 'deviceId');
    return result;
  }

  @Post('offline-limit-changes/:changeId/approve')
  @HttpCode(HttpStatus.OK)
  @AdminOnly('registry.admin.offline-limits.approve')
  @ApiOperation({ summary: 'Applies a pending limit change; only an operator other than the requester may.' })
  async approveLimitChange(@Param('changeId', new JsonSchemaValidationPipe(uuid)) changeId: string, @AdminOperator() operatorId: string) {
    const result = await this.handler.approveLimitChange(changeId, operatorId, currentRequestId() ?? null);
    switch (result.outcome) {
      case 'applied':
        return result;
      case 'unknown-change':
        throw notFound(`Change ${changeId}`, 'changeId');
      case 'refused':
        throw result.code === 'SECOND_OPERATOR_REQUIRED'
          ? problem(HttpStatus.FORBIDDEN, result.code, 'Second operator required', 'changeId', 'must be approved by an operator other than the requester')
          : problem(HttpStatus.CONFLICT, result.code, 'Already decided', 'changeId', 'was already decided');
    }
  }

  @Put('devices/:deviceId/offline-capability')
  @HttpCode(HttpStatus.OK)
  @AdminOnly('registry.admin.offline-capability.set')
  @ApiOperation({ summary: 'An operator suspends or re-enables a device’s offline payments (an overdraft suspension stays until back in funds).' })
  async setOfflineCapability(
    @Param('deviceId', new JsonSchemaValidationPipe(identifier)) deviceId: string,
    @Body(new JsonSchemaValidationPipe<{ capability: OfflineCapability }>(offlineCapabilitySchema)) body: { capability: OfflineCapability },
  ) {
    const result = await this.handler.setOfflineCapability(deviceId, body.capability, currentRequestId() ?? null);
    if (result.outcome === 'unknown-device') throw notFound(`Device ${deviceId}`, 'deviceId');
    return { deviceId, capability: result.capability };
  }

  @Get('devices/:deviceId/offline')
  @AdminOnly('registry.admin.offline.read')
  @ApiOperation({ summary: 'A device’s offline state: capability, limits, last check-in.' })
  async offline(@Param('deviceId', new JsonSchemaValidationPipe(identifier)) deviceId: string) {
    const device = await loadDeviceOffline(this.pool, deviceId, false);
    if (!device) throw notFound(`Device ${deviceId}`, 'deviceId');
    return { deviceId, accountId: device.accountId, capability: capabilityOf(device.state), ...device.state };
  }

  @Get('keys/:keyId')
  @AdminOnly('registry.admin.key.read')
  @ApiOperation({ summary: 'A key with its whole lifecycle history.' })
  async key(@Param('keyId', new JsonSchemaValidationPipe(keyIdParam)) keyId: string) {
    const [key] = await loadKeys(this.pool, [keyId], false);
    if (!key) throw notFound(`Key ${keyId}`, 'keyId');
    return keyPayload(key);
  }

  @Post('keys/:keyId/suspend')
  @HttpCode(HttpStatus.OK)
  @AdminOnly('registry.admin.key.suspend')
  @ApiOperation({ summary: 'Suspends an active key; publishes key.lifecycle-changed.' })
  suspend(@Param('keyId', new JsonSchemaValidationPipe(keyIdParam)) keyId: string, @Body(new JsonSchemaValidationPipe<{ reason: KeyStateReason }>(keyReasonSchema)) body: { reason: KeyStateReason }) {
    return this.changeKey(keyId, { kind: 'suspend', reason: body.reason });
  }

  @Post('keys/:keyId/reactivate')
  @HttpCode(HttpStatus.OK)
  @AdminOnly('registry.admin.key.reactivate')
  @ApiOperation({ summary: 'Reactivates a suspended key; publishes key.lifecycle-changed.' })
  reactivate(@Param('keyId', new JsonSchemaValidationPipe(keyIdParam)) keyId: string) {
    return this.changeKey(keyId, { kind: 'reactivate' });
  }

  @Post('keys/:keyId/revoke')
  @HttpCode(HttpStatus.OK)
  @AdminOnly('registry.admin.key.revoke')
  @ApiOperation({ summary: 'Revokes a key for good (e.g. compromised); publishes key.lifecycle-changed.' })
  revoke(@Param('keyId', new JsonSchemaValidationPipe(keyIdParam)) keyId: string, @Body(new JsonSchemaValidationPipe<{ reason: KeyStateReason }>(keyReasonSchema)) body: { reason: KeyStateReason }) {
    return this.changeKey(keyId, { kind: 'revoke', reason: body.reason });
  }

  private async changeKey(keyId: string, command: KeyCommand): Promise<Extract<KeyChangeResult, { key: unknown }>> {
    const result = await this.handler.changeKey(keyId, command, currentRequestId() ?? null);
    if (result.outcome === 'unknown-key') throw notFound(`Key ${keyId}`, 'keyId');
    if (result.outcome === 'refused') throw problem(HttpStatus.CONFLICT, result.code, 'Key transition refused', 'keyId', `cannot ${command.kind} a key that is ${result.state}`);
    return result;
  }
}
