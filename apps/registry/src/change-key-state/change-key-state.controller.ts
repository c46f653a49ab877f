import { Body, Controller, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { type KeyStateReason } from '@settle/contracts';
import { AdminOnly, currentRequestId, JsonSchemaValidationPipe } from '@settle/platform';
import { adminProblem, notFound } from '../adapters/admin-problems';
import { keyIdParam, keyReasonSchema } from '../adapters/http-schemas';
import { type KeyCommand } from '../domain/key-lifecycle';
import { ChangeKeyStateHandler, type ChangeKeyStateResult } from './change-key-state.handler';

/** Key lifecycle by an operator (docs/registry.md, Key lifecycle); audited by @AdminOnly. */
@ApiTags('admin')
@Controller('admin')
export class ChangeKeyStateController {
  constructor(private readonly handler: ChangeKeyStateHandler) {}

  @Post('keys/:keyId/suspend')
  @HttpCode(HttpStatus.OK)
  @AdminOnly('registry.admin.key.suspend', { role: 'maker' })
  @ApiOperation({ summary: 'Suspends an active key; publishes key.lifecycle-changed.' })
  suspend(
    @Param('keyId', new JsonSchemaValidationPipe(keyIdParam)) keyId: string,
    @Body(new JsonSchemaValidationPipe<{ reason: KeyStateReason }>(keyReasonSchema))
    body: { reason: KeyStateReason },
  ) {
    return this.changeKey(keyId, { kind: 'suspend', reason: body.reason });
  }

  @Post('keys/:keyId/reactivate')
  @HttpCode(HttpStatus.OK)
  @AdminOnly('registry.admin.key.reactivate', { role: 'maker' })
  @ApiOperation({ summary: 'Reactivates a suspended key; publishes key.lifecycle-changed.' })
  reactivate(@Param('keyId', new JsonSchemaValidationPipe(keyIdParam)) keyId: string) {
    return this.changeKey(keyId, { kind: 'reactivate' });
  }

  @Post('keys/:keyId/revoke')
  @HttpCode(HttpStatus.OK)
  @AdminOnly('registry.admin.key.revoke', { role: 'maker' })
  @ApiOperation({
    summary: 'Revokes a key for good (e.g. compromised); publishes key.lifecycle-changed.',
  })
  revoke(
    @Param('keyId', new JsonSchemaValidationPipe(keyIdParam)) keyId: string,
    @Body(new JsonSchemaValidationPipe<{ reason: KeyStateReason }>(keyReasonSchema))
    body: { reason: KeyStateReason },
  ) {
    return this.changeKey(keyId, { kind: 'revoke', reason: body.reason });
  }

  private async changeKey(
    keyId: string,
    command: KeyCommand,
  ): Promise<Extract<ChangeKeyStateResult, { key: unknown }>> {
    const result = await this.handler.change(keyId, command, currentRequestId() ?? null);
    if (result.outcome === 'unknown-key') throw notFound(`Key ${keyId}`, 'keyId');
    if (result.outcome === 'refused')
      throw adminProblem(
        HttpStatus.CONFLICT,
        result.code,
        'Key transition refused',
        'keyId',
        `cannot ${command.kind} a key that is ${result.state}`,
      );
    return result;
  }
}
