import { Controller, HttpStatus, Inject, Param, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  type BodyOfRequest,
  CLOCK,
  type Clock,
  currentRequestId,
  JsonSchemaValidationPipe,
  ProblemException,
  type RateLimitSql,
  requireEmptyJsonBody,
  SERVICE_CONFIG,
  SQL_POOL,
} from '@settle/platform';
import { protocolIdentifier } from '../adapters/http-schemas';
import { type RegistrySettings } from '../config';
import { type DeviceIdentity } from '../device-authentication/device-authenticator';
import {
  AuthenticatedDevice,
  DeviceOnly,
  notThisDevice,
} from '../device-authentication/device-only.guard';
import { type CheckInRefusal } from './check-in.decider';
import { CheckInHandler } from './check-in.handler';
import { takeDeviceCredentialToken } from './device-credential-rate-limit';

const refusals: Record<
  Exclude<CheckInRefusal, 'NOT_THIS_DEVICE'>,
  { status: number; message: string }
> = {
  DEVICE_UNKNOWN: { status: HttpStatus.NOT_FOUND, message: 'names no known device' },
  PAYMENT_KEY_NOT_ACTIVE: { status: HttpStatus.CONFLICT, message: 'has no active payment key' },
  OFFLINE_CAPABILITY_SUSPENDED: {
    status: HttpStatus.CONFLICT,
    message: 'may not pay offline now (offline capability suspended)',
  },
  NO_OFFLINE_LIMITS: { status: HttpStatus.CONFLICT, message: 'has no offline limits' },
  ATTESTATION_LEVEL_NOT_OFFLINE: {
    status: HttpStatus.CONFLICT,
    message: 'has a payment key attested below the levels trusted offline (no offline allowance)',
  },
};

/**
 * A consumer device checks in whenever it is online and receives a fresh device credential (DESIGN §4):
 * its payment key, its offline caps, the check-in time and an expiry. Only as itself, with no body (or
 * `{}`), and within its rate limit (SETTLE_REGISTRY_DEVICE_CREDENTIALS_PER_MINUTE).
 */
@ApiTags('check-ins')
@Controller('v1/devices')
export class CheckInController {
  constructor(
    private readonly handler: CheckInHandler,
    @Inject(SQL_POOL) private readonly pool: RateLimitSql,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SERVICE_CONFIG) private readonly config: RegistrySettings,
  ) {}

  @Post(':deviceId/check-ins')
  @DeviceOnly('consumer-device')
  @ApiOperation({
    summary:
      'Records an online check-in of the calling device and returns a fresh device credential; publishes device.checked-in.',
  })
  async checkIn(
    @Param('deviceId', new JsonSchemaValidationPipe<string>(protocolIdentifier)) deviceId: string,
    @AuthenticatedDevice() caller: DeviceIdentity,
    @Req() request: BodyOfRequest,
  ) {
    if (caller.subject !== deviceId) throw notThisDevice('deviceId');
    requireEmptyJsonBody(request);
    await takeDeviceCredentialToken(this.pool, this.clock, this.config, 'check-in', deviceId);
    const result = await this.handler.checkIn(deviceId, caller.owner, currentRequestId() ?? null);
    if (result.outcome === 'checked-in') {
      return {
        deviceCredential: Buffer.from(result.credential).toString('base64url'),
        issuerKeyId: result.issuerKeyId,
        paymentKeyId: result.paymentKeyId,
        checkedInAt: result.checkedInAt,
        validUntil: result.validUntil,
        offlineCaps: result.offlineCaps,
      };
    }
    if (result.code === 'NOT_THIS_DEVICE') throw notThisDevice('deviceId');
    const refusal = refusals[result.code];
    throw new ProblemException({
      status: refusal.status,
      code: result.code,
      title: 'No device credential',
      detail: `deviceId: ${refusal.message}`,
      errors: [{ field: 'deviceId', code: result.code, message: refusal.message }],
    });
  }
}
