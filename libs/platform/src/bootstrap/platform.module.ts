import { AdminWhoamiController } from '../admin/admin-whoami.controller';
import { type DynamicModule, Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { type Logger } from 'pino';
import { type DataSourceOptions, DataSource } from 'typeorm';
import { AdminAuditInterceptor } from '../admin/admin-audit.interceptor';
import { AdminAuditLog } from '../admin/admin-audit-log';
import { AdminAuthenticator } from '../admin/admin-authenticator';
import { AdminGuard } from '../admin/admin.guard';
import { type AdminListenerSeparation } from '../admin/admin-listener';
import { type CommonConfig, databaseNameFor, type ServiceName } from '../config/service-config';
import { CLOCK, systemClock } from '../clock/clock';
import { createDataSource } from '../database/data-source';
import { DatabaseLifecycle } from '../database/database-lifecycle';
import { SQL_POOL, sqlPoolOf } from '../database/sql-pool';
import { DatabaseHealthContributor } from '../health/database-health.contributor';
import { HEALTH_CONTRIBUTORS } from '../health/health-contributor';
import { HealthController } from '../health/health.controller';
import { HealthService } from '../health/health.service';
import { ServiceLifecycle } from '../health/service-lifecycle';
import {
  ADMIN_LISTENER,
  PLATFORM_LOGGER,
  READINESS_TIMEOUT_MS,
  SERVICE_CONFIG,
  SERVICE_NAME,
} from './platform-tokens';

export interface PlatformModuleOptions {
  readonly serviceName: ServiceName;
  readonly config: CommonConfig;
  readonly logger: Logger;
  readonly entities?: DataSourceOptions['entities'];
  /** Present when SETTLE_ADMIN_PORT is set: the health endpoint tells its connections from public ones. */
  readonly adminListener?: AdminListenerSeparation | undefined;
}

/**
 * What every service gets, globally: the configuration, the logger, the clock, the database (`DataSource`
 * and its pg pool, `SQL_POOL`),
 * health endpoints, and the admin guard with its audit log. `bootstrapService` imports it next to
 * the service's own module; a service module never imports it itself.
 */
@Global()
@Module({})
export class PlatformModule {
  static forRoot(options: PlatformModuleOptions): DynamicModule {
    const { config } = options;
    return {
      module: PlatformModule,
      imports: [DiscoveryModule],
      controllers: [HealthController, AdminWhoamiController],
      providers: [
        { provide: SERVICE_NAME, useValue: options.serviceName },
        { provide: SERVICE_CONFIG, useValue: config },
        { provide: PLATFORM_LOGGER, useValue: options.logger },
        { provide: READINESS_TIMEOUT_MS, useValue: config.SETTLE_READINESS_TIMEOUT_MS },
        { provide: ADMIN_LISTENER, useValue: options.adminListener ?? null },
        {
          provide: DataSource,
          useFactory: async (): Promise<DataSource> => {
            const dataSource = createDataSource({
              url: config.DATABASE_URL,
              poolMax: config.SETTLE_DATABASE_POOL_MAX,
              applicationName: `settle-${options.serviceName}`,
              ...(options.entities ? { entities: options.entities } : {}),
            });
            return dataSource.initialize();
          },
        },
        { provide: SQL_POOL, useFactory: sqlPoolOf, inject: [DataSource] },
        { provide: CLOCK, useValue: systemClock },
        DatabaseLifecycle,
        ServiceLifecycle,
        HealthService,
        {
          provide: HEALTH_CONTRIBUTORS,
          useFactory: (dataSource: DataSource) => new DatabaseHealthContributor(dataSource),
          inject: [DataSource],
        },
        {
          provide: AdminAuthenticator,
          useFactory: () => new AdminAuthenticator(config.SETTLE_ADMIN_CREDENTIALS),
        },
        AdminAuditLog,
        AdminGuard,
        AdminAuditInterceptor,
      ],
      exports: [
        SERVICE_NAME,
        SERVICE_CONFIG,
        PLATFORM_LOGGER,
        READINESS_TIMEOUT_MS,
        DataSource,
        SQL_POOL,
        CLOCK,
        ServiceLifecycle,
        AdminAuthenticator,
        AdminAuditLog,
        AdminGuard,
        AdminAuditInterceptor,
      ],
    };
  }
}

/** For log lines: which database a service uses, without credentials. */
export function describeDatabase(
  url: string,
  service: ServiceName,
): { host: string; database: string } {
  const parsed = new URL(url);
  return {
    host: parsed.host,
    database: parsed.pathname.replace(/^\//, '') || databaseNameFor(service),
  };
}
