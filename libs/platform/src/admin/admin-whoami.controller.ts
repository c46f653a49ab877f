import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SERVICE_NAME } from '../bootstrap/platform-tokens';
import { AdminOnly, AdminOperator } from './admin-only.decorator';

/** Proves an operator's credentials on this service (and that the audit log records admin calls). */
@ApiTags('admin')
@Controller('admin')
export class AdminWhoamiController {
  constructor(@Inject(SERVICE_NAME) private readonly serviceName: string) {}

  @Get('whoami')
  @AdminOnly('admin.whoami')
  @ApiOperation({
    summary: 'The operator id the admin credentials belong to, and the service answering.',
  })
  @ApiOkResponse({ description: '{"operatorId": "...", "service": "ledger"}' })
  whoami(@AdminOperator() operatorId: string): { operatorId: string; service: string } {
    return { operatorId, service: this.serviceName };
  }
}
