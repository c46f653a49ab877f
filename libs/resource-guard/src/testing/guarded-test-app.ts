// Integration-test support (not exported): a tiny Nest service behind the resource guard, on the
// platform (problem+json filter, DataSource, config) with the guard's module, optionally the
// messaging backbone with the key-lifecycle consumer, over HTTPS (TLS 1.3) or plain HTTP (DPoP mode
// behind an ingress).
import { type AddressInfo } from 'node:net';
import { Controller, Get, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type NestExpressApplication } from '@nestjs/platform-express';
import { type Clock } from '@settle/crypto';
import { MessagingModule, messagingConfig, messagingMigrations } from '@settle/messaging';
import {
  PlatformModule,
  ProblemDetailsFilter,
  createLogger,
  defineServiceConfig,
  loadServiceConfig,
  platformMigrations,
  runMigrations,
} from '@settle/platform';
import { type DestinationStream } from 'pino';
import { DataSource } from 'typeorm';
import { type JwksFetcher } from '../access-token/jwks-key-store';
import { type Principal, RequestAuthenticator } from '../authenticate/request-authenticator';
import { resourceGuardConfig } from '../config/resource-guard-config';
import { BindingKeyLifecycleConsumer } from '../key-status/binding-key-lifecycle.consumer';
import { resourceGuardMigrations } from '../migrations';
import { Authenticated, AuthenticatedPrincipal, RequireRole } from '../nest/decorators';
import { ResourceGuardModule } from '../nest/resource-guard.module';

@Controller('v1')
class GuardedTestController {
  @Get('me')
  @Authenticated()
  me(@AuthenticatedPrincipal() principal: Principal): Principal {
    return principal;
  }

  @Post('uploads')
  @RequireRole('pos-terminal')
  upload(@AuthenticatedPrincipal() principal: Principal): { accepted: string } {
    return { accepted: principal.subject };
  }
}

export interface GuardedTestApp {
  readonly url: string;
  readonly port: number;
  readonly app: NestExpressApplication;
  readonly authenticator: RequestAuthenticator;
  close(): Promise<void>;
}

export interface GuardedTestAppOptions {
  readonly databaseUrl: string;
  readonly env: Readonly<Record<string, string>>;
  /** Served over TLS 1.3 with this key and certificate; plain HTTP without. */
  readonly https?: { readonly key: string; readonly cert: string };
  /** Run the messaging backbone with the key-lifecycle consumer (needs SETTLE_KAFKA_TOPIC_PREFIX in env). */
  readonly messaging?: boolean;
  readonly jwksFetcher?: JwksFetcher;
  readonly clock?: Clock;
  /** Debug-level log lines go here (silent without). */
  readonly logDestination?: DestinationStream;
}

export async function startGuardedTestApp(options: GuardedTestAppOptions): Promise<GuardedTestApp> {
  const definition = defineServiceConfig('verifier', messagingConfig, resourceGuardConfig);
  const config = loadServiceConfig('verifier', definition, {
    DATABASE_URL: options.databaseUrl,
    SETTLE_DATABASE_POOL_MAX: '4',
    ...(process.env.KAFKA_BROKERS ? { KAFKA_BROKERS: process.env.KAFKA_BROKERS } : {}),
    SETTLE_OUTBOX_RELAY_ENABLED: 'false',
    ...options.env,
  });
  const logger = options.logDestination
    ? createLogger({ serviceName: 'verifier', level: 'debug', destination: options.logDestination })
    : createLogger({ serviceName: 'verifier', level: 'silent' });

  @Module({
    imports: [
      ResourceGuardModule.forService({
        ...(options.jwksFetcher ? { jwksFetcher: options.jwksFetcher } : {}),
        ...(options.clock ? { clock: options.clock } : {}),
      }),
      ...(options.messaging
        ? [MessagingModule.forService({ consumers: [BindingKeyLifecycleConsumer] })]
        : []),
    ],
    controllers: [GuardedTestController],
  })
  class GuardedTestModule {}

  @Module({
    imports: [
      PlatformModule.forRoot({ serviceName: 'verifier', config, logger }),
      GuardedTestModule,
    ],
  })
  class GuardedTestRootModule {}

  const app = await NestFactory.create<NestExpressApplication>(GuardedTestRootModule, {
    logger: false,
    abortOnError: false,
    // Passed to https.createServer as they are; Nest's HttpsOptions type omits the TLS version bounds.
    ...(options.https
      ? {
          httpsOptions: {
            key: options.https.key,
            cert: options.https.cert,
            minVersion: 'TLSv1.3',
            maxVersion: 'TLSv1.3',
          } as { key: string; cert: string },
        }
      : {}),
  });
  app.useGlobalFilters(new ProblemDetailsFilter(logger));
  await runMigrations(app.get(DataSource), [
    platformMigrations,
    messagingMigrations,
    resourceGuardMigrations,
  ]);
  await app.listen(0, '127.0.0.1');
  const { port } = (app.getHttpServer() as { address(): AddressInfo }).address();
  return {
    url: `${options.https ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    app,
    authenticator: app.get(RequestAuthenticator),
    close: () => app.close(),
  };
}
