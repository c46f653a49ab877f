import { Controller, HttpCode, HttpStatus, Inject, Param, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  type BodyOfRequest,
  CLOCK,
  type Clock,
  JsonSchemaValidationPipe,
  ProblemException,
  type RateLimitSql,
  requireEmptyJsonBody,
  SERVICE_CONFIG,
  SQL_POOL,
} from '@settle/platform';
import { protocolIdentifier } from '../adapters/http-schemas';
import { takeDeviceCredentialToken } from '../check-in/device-credential-rate-limit';
import { type RegistrySettings } from '../config';
import { type DeviceIdentity } from '../device-authentication/device-authenticator';
import {
  AuthenticatedDevice,
  DeviceOnly,
  notThisDevice,
} from '../device-authentication/device-only.guard';
import { type TerminalCredentialRefusal } from './terminal-credential.decider';
import { TerminalCredentialHandler } from './terminal-credential.handler';

const refusalMessages: Record<Exclude<TerminalCredentialRefusal, 'NOT_THIS_DEVICE'>, string> = {
  TERMINAL_UNKNOWN: 'names no known terminal',
  TERMINAL_KEY_NOT_ACTIVE: 'has no active payment key',
  ATTESTATION_LEVEL_NOT_OFFLINE: 'has a payment key attested below the levels trusted offline',
};

/**
 * A POS terminal fetches its terminal credential (DESIGN §4) once its payment key is active, and again
 * before it expires; it sends it with every payment request so phones show the verified merchant name.
 * No body (or `{}`), and within the terminal's rate limit (SETTLE_REGISTRY_DEVICE_CREDENTIALS_PER_MINUTE).
 */
@ApiTags('credentials')
@Controller('v1/terminals')
export class TerminalCredentialController {
  constructor(
    private readonly handler: TerminalCredentialHandler,
    @Inject(SQL_POOL) private readonly pool: RateLimitSql,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SERVICE_CONFIG) private readonly config: RegistrySettings,
  ) {}

  @Post(':terminalId/credential')
  @HttpCode(HttpStatus.OK)
  @DeviceOnly('pos-terminal')
  @ApiOperation({
    summary:
      'A fresh terminal credential for the calling terminal (its active payment key), signed by the processor’s credential key.',
  })
  async issue(
    @Param('terminalId', new JsonSchemaValidationPipe<string>(protocolIdentifier))
    terminalId: string,
    @AuthenticatedDevice() caller: DeviceIdentity,
    @Req() request: BodyOfRequest,
  ) {
    if (caller.subject !== terminalId) throw notThisDevice('terminalId');
    requireEmptyJsonBody(request);
    await takeDeviceCredentialToken(
      this.pool,
      this.clock,
      this.config,
      'terminal-credential',
      terminalId,
    );
    const result = await this.handler.issue(terminalId, caller.owner);
    switch (result.outcome) {
      case 'issued':
        return {
          terminalCredential: Buffer.from(result.credential).toString('base64url'),
          issuerKeyId: result.issuerKeyId,
          terminalKeyId: result.terminalKeyId,
          validFrom: result.validFrom,
          validUntil: result.validUntil,
        };
      case 'refused':
        if (result.code === 'NOT_THIS_DEVICE') throw notThisDevice('terminalId');
        throw new ProblemException({
          status: result.code === 'TERMINAL_UNKNOWN' ? HttpStatus.NOT_FOUND : HttpStatus.CONFLICT,
          code: result.code,
          title: 'No terminal credential',
          detail: `terminalId: ${refusalMessages[result.code]}`,
          errors: [
            { field: 'terminalId', code: result.code, message: refusalMessages[result.code] },
          ],
        });
    }
  }
}
