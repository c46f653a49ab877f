import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { type PlatformResponse } from '../http/http-types';
import { HealthService, type ReadinessReport } from './health.service';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process is up and serving HTTP (never touches a dependency).' })
  @ApiOkResponse({ description: '{"status":"up"}' })
  live(): { status: 'up' } {
    return { status: 'up' };
  }

  @Get('ready')
  @ApiOperation({ summary: 'Readiness: the database answers; every health contributor is listed.' })
  @ApiOkResponse({ description: 'Ready to serve.' })
  @ApiServiceUnavailableResponse({ description: 'Not ready (database down or shutting down); body lists the checks.' })
  async ready(@Res({ passthrough: true }) response: PlatformResponse): Promise<ReadinessReport> {
    const report = await this.health.readiness();
    response.status(report.ready ? 200 : 503);
    response.setHeader('Cache-Control', 'no-store');
    return report;
  }
}
