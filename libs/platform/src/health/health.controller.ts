import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { type AdminListenerSeparation, type SocketRequest } from '../admin/admin-listener';
import { ADMIN_LISTENER } from '../bootstrap/platform-tokens';
import { type PlatformResponse } from '../http/http-types';
import { HealthService, type ReadinessReport } from './health.service';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthService,
    @Inject(ADMIN_LISTENER) private readonly adminListener: AdminListenerSeparation | null,
  ) {}

  @Get('live')
  @ApiOperation({
    summary: 'Liveness: the process is up and serving HTTP (never touches a dependency).',
  })
  @ApiOkResponse({ description: '{"status":"up"}' })
  live(): { status: 'up' } {
    return { status: 'up' };
  }

  @Get('ready')
  @ApiOperation({
    summary:
      'Readiness: the database answers. On the public port (when an admin port is configured) a bare {"status":"up"|"down"}; on the admin port, or without one, every health contributor is listed.',
  })
  @ApiOkResponse({ description: 'Ready to serve.' })
  @ApiServiceUnavailableResponse({ description: 'Not ready (database down or shutting down).' })
  async ready(
    @Req() request: SocketRequest,
    @Res({ passthrough: true }) response: PlatformResponse,
  ): Promise<ReadinessReport | { status: 'up' | 'down' }> {
    response.setHeader('Cache-Control', 'no-store');
    // Details (versions of dependencies, backlogs, consumer groups) help an attacker and cost a
    // Kafka round trip: only the internal port gives them.
    if (this.adminListener !== null && !this.adminListener.isAdminConnection(request)) {
      const ready = await this.health.isReady();
      response.status(ready ? 200 : 503);
      return { status: ready ? 'up' : 'down' };
    }
    const report = await this.health.readiness();
    response.status(report.ready ? 200 : 503);
    return report;
  }
}
