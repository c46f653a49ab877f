import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly, AdminOperator } from '@settle/platform';

/** Proves an operator's credentials (and that the audit log records admin calls) on this service. */
@ApiTags('admin')
@Controller('admin')
export class AdminWhoamiController {
  @Get('whoami')
  @AdminOnly('token-issuer.admin.whoami')
  @ApiOperation({ summary: 'The operator id the admin credentials belong to.' })
  @ApiOkResponse({ description: '{"operatorId": "...", "service": "token-issuer"}' })
  whoami(@AdminOperator() operatorId: string): { operatorId: string; service: 'token-issuer' } {
    return { operatorId, service: 'token-issuer' };
  }
}
