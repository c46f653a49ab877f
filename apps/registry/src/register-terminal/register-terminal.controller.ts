import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  AdminOnly,
  AdminOperator,
  currentRequestId,
  JsonSchemaValidationPipe,
} from '@settle/platform';
import { createdOrProblem } from '../adapters/admin-problems';
import { terminalSchema } from '../adapters/http-schemas';
import { type NewTerminal, RegisterTerminalHandler } from './register-terminal.handler';

/** An operator registers a merchant's terminal (docs/registry.md, Admin API); audited by @AdminOnly. */
@ApiTags('admin')
@Controller('admin')
export class RegisterTerminalController {
  constructor(private readonly handler: RegisterTerminalHandler) {}

  @Post('terminals')
  @HttpCode(HttpStatus.OK)
  @AdminOnly('registry.admin.terminal.create', { role: 'maker' })
  @ApiOperation({
    summary:
      'Registers a terminal of a merchant (idempotent by terminalId); publishes terminal.registered.',
  })
  async createTerminal(
    @Body(new JsonSchemaValidationPipe<NewTerminal>(terminalSchema)) body: NewTerminal,
    @AdminOperator() operatorId: string,
  ) {
    return createdOrProblem(
      await this.handler.register(body, operatorId, currentRequestId() ?? null),
      'terminalId',
      { field: 'merchantId', kind: 'MERCHANT' },
    );
  }
}
