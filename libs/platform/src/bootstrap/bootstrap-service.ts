import { type AddressInfo } from 'node:net';
import { type Server } from 'node:http';
import { type ServerOptions as HttpsServerOptions } from 'node:https';
import { Server as TlsServer } from 'node:tls';
import { Module, type NestApplicationOptions, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { shutdownTelemetry } from '@settle/telemetry';
import { Pool } from 'pg';
import { type DestinationStream, type Logger } from 'pino';
import { type DataSourceOptions, DataSource } from 'typeorm';
import { AdminListenerSeparation, type SocketRequest } from '../admin/admin-listener';
import { adminSecurityScheme } from '../admin/admin-only.decorator';
import { type ConfigValues, ConfigurationError } from '../config/config-definition';
import { tlsServerOptionsFromFiles } from '../config/http-tls-config';
import {
  type CommonConfig,
  type CommonConfigDefinition,
  loadServiceConfig,
  type ServiceName,
} from '../config/service-config';
import { platformMigrations } from '../database/platform-migrations';
import {
  type MigrationReport,
  type MigrationSource,
  runMigrations,
} from '../database/run-migrations';
import { ServiceLifecycle } from '../health/service-lifecycle';
import {
  bodyParserErrorToProblem,
  httpJsonBodyLimitBytes,
  jsonMediaTypes,
  type RawBodyParser,
  refuseAnnouncedOversizedBodies,
} from '../http/body-limits';
import {
  createLimitedHttpServer,
  type HttpServerLimits,
  LimitedExpressAdapter,
} from '../http/http-server-limits';
import { ConnectionDrainer } from '../http/connection-drainer';
import { ProblemDetailsFilter } from '../http/problem-details.filter';
import { createLogger } from '../logging/logger';
import { PinoNestLogger } from '../logging/nest-logger';
import { assignRequestId, runInRequestContext } from '../logging/request-context';
import { logRequests } from '../logging/request-logging';
import { describeDatabase, PlatformModule } from './platform.module';

/** After the grace period the process exits even if a shutdown hook hangs, this much later. */
export const shutdownHardStopExtraMs = 5_000;

/** Everything `bootstrapService` needs to know about a service. */
export interface ServiceDefinition<
  Definition extends CommonConfigDefinition = CommonConfigDefinition,
> {
  readonly name: ServiceName;
  /** The composition root (`LedgerModule`). It gets the platform's providers globally. */
  readonly module: Type<unknown>;
  /** The full configuration definition, from `defineServiceConfig`. */
  readonly config: Definition;
  /**
   * Migration sources applied after the platform's own (which always run first), in order — e.g.
   * `[messagingMigrations, { namespace: 'ledger', directory: path.join(__dirname, '..', 'migrations') }]`.
   */
  readonly migrationSources: readonly MigrationSource[];
  readonly entities?: DataSourceOptions['entities'];
  /** Largest JSON body; defaults to {@link httpJsonBodyLimitBytes}. */
  readonly jsonBodyLimitBytes?: number;
  /** The name the 413 problem gives the JSON limit (e.g. `uploadBodySizeMaxBytes`); unnamed by default. */
  readonly jsonBodyLimitName?: string;
  /**
   * Media types read as raw bytes (`request.body` a Buffer), each with its own limit — e.g. the
   * verifier's `application/cbor` uploads. None by default: other bodies reach no handler parsed.
   */
  readonly rawBodies?: readonly RawBodyParser[];
  /**
   * TLS terminated in the process (the token issuer needs each connection's TLS exporter): options of
   * the HTTPS server, from the loaded configuration; `undefined` serves plain HTTP (the default).
   */
  readonly httpsOptions?: (
    config: ConfigValues<Definition> & CommonConfig,
  ) => HttpsServerOptions | undefined;
}

export interface StartOptions {
  /** Defaults to `process.env`. Tests pass their own. */
  readonly env?: NodeJS.ProcessEnv;
  /** Defaults to stdout. */
  readonly logDestination?: DestinationStream;
}

export interface ServiceApp<Definition extends CommonConfigDefinition = CommonConfigDefinition> {
  readonly app: NestExpressApplication;
  readonly config: ConfigValues<Definition> & CommonConfig;
  readonly logger: Logger;
  /** Ends keep-alive connections with their requests once shutdown starts. */
  readonly drainer: ConnectionDrainer;
  /** Keeps `/admin/*` off the main port when SETTLE_ADMIN_PORT is set; `undefined` otherwise. */
  readonly adminListener: AdminListenerSeparation | undefined;
  /** The admin listener's TLS options (SETTLE_ADMIN_TLS_*, read at creation); `undefined`: plain HTTP. */
  readonly adminTls?: HttpsServerOptions | undefined;
}

export interface RunningService<
  Definition extends CommonConfigDefinition = CommonConfigDefinition,
> extends ServiceApp<Definition> {
  /** `http://host:port` (or `https://…` with `httpsOptions`) the service listens on. */
  readonly url: string;
  /**
   * `http://host:port` (`https://…` with SETTLE_ADMIN_TLS_*) of the internal admin listener (SETTLE_ADMIN_PORT; the port actually bound
   * when it is 0), the only place `/admin/*` answers; `undefined` when admin routes are on `url`.
   */
  readonly adminUrl: string | undefined;
  /**
   * Graceful stop, as on SIGTERM: readiness turns 503, the server stops accepting connections,
   * in-flight requests finish (connections still open after SETTLE_SHUTDOWN_GRACE_MS are closed),
   * then the shutdown hooks run and the pool closes. Idempotent.
   */
  shutdown(reason: string): Promise<void>;
}

/**
 * Builds the Nest application of a service without listening: configuration checked, pino logger,
 * request ids, JSON body limit, problem+json errors, OpenAPI at `/docs` (JSON at `/docs-json`), and
 * the migrations applied (unless SETTLE_MIGRATE_ON_START=false).
 */
export async function createServiceApp<Definition extends CommonConfigDefinition>(
  definition: ServiceDefinition<Definition>,
  options: StartOptions = {},
): Promise<ServiceApp<Definition>> {
  const config = loadServiceConfig(definition.name, definition.config, options.env ?? process.env);
  const logger = createLogger({
    serviceName: definition.name,
    level: config.LOG_LEVEL,
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  });
  if (config.SETTLE_ADMIN_CREDENTIALS.length === 0)
    logger.warn('no admin credentials configured: every admin route answers 503');
  if (
    config.SETTLE_ADMIN_PORT !== undefined &&
    config.SETTLE_ADMIN_PORT !== 0 &&
    config.SETTLE_ADMIN_PORT === config.SETTLE_HTTP_PORT
  ) {
    throw new ConfigurationError([
      'SETTLE_ADMIN_PORT must differ from SETTLE_HTTP_PORT (the admin listener is a second server)',
    ]);
  }
  if (config.SETTLE_HTTP_HEADERS_TIMEOUT_MS > config.SETTLE_HTTP_REQUEST_TIMEOUT_MS) {
    throw new ConfigurationError([
      'SETTLE_HTTP_HEADERS_TIMEOUT_MS must not exceed SETTLE_HTTP_REQUEST_TIMEOUT_MS (the headers are part of the request)',
    ]);
  }
  const metricsPort: number | undefined = config.SETTLE_METRICS_PORT;
  if (
    metricsPort !== undefined &&
    (metricsPort === config.SETTLE_HTTP_PORT || metricsPort === config.SETTLE_ADMIN_PORT)
  ) {
    throw new ConfigurationError([
      'SETTLE_METRICS_PORT must differ from SETTLE_HTTP_PORT and SETTLE_ADMIN_PORT (the Prometheus endpoint is a server of its own)',
    ]);
  }

  const adminListener =
    config.SETTLE_ADMIN_PORT === undefined ? undefined : new AdminListenerSeparation();
  const adminTls = tlsServerOptionsFromFiles(
    { variable: 'SETTLE_ADMIN_TLS_CERT_FILE', file: config.SETTLE_ADMIN_TLS_CERT_FILE },
    { variable: 'SETTLE_ADMIN_TLS_KEY_FILE', file: config.SETTLE_ADMIN_TLS_KEY_FILE },
  );
  if (adminTls !== undefined && adminListener === undefined) {
    throw new ConfigurationError([
      "SETTLE_ADMIN_TLS_CERT_FILE needs SETTLE_ADMIN_PORT (it is the admin listener's certificate)",
    ]);
  }

  @Module({
    imports: [
      PlatformModule.forRoot({
        serviceName: definition.name,
        config,
        logger,
        entities: definition.entities,
        adminListener,
      }),
      definition.module,
    ],
  })
  class ServiceRootModule {}

  const httpsOptions = definition.httpsOptions?.(config);
  const app = await NestFactory.create<NestExpressApplication>(
    ServiceRootModule,
    new LimitedExpressAdapter(serverLimitsOf(config)),
    {
      logger: new PinoNestLogger(logger),
      bodyParser: false,
      abortOnError: false,
      // Nest hands these to https.createServer as they are; its own type lags node's (e.g. minVersion).
      ...(httpsOptions === undefined
        ? {}
        : { httpsOptions: httpsOptions as NestApplicationOptions['httpsOptions'] }),
    },
  );
  const drainer = new ConnectionDrainer();
  try {
    app.disable('x-powered-by');
    // Order matters: the drainer sees every request; the request id comes next (errors of the body
    // parser carry it); the async request context after the parser (which would lose it).
    app.use(drainer.middleware);
    app.use(assignRequestId);
    const jsonLimit = {
      mediaTypes: jsonMediaTypes,
      limitBytes: definition.jsonBodyLimitBytes ?? httpJsonBodyLimitBytes,
      ...(definition.jsonBodyLimitName ? { limitName: definition.jsonBodyLimitName } : {}),
    };
    app.use(refuseAnnouncedOversizedBodies([jsonLimit, ...(definition.rawBodies ?? [])]));
    app.useBodyParser('json', { limit: jsonLimit.limitBytes, type: [...jsonMediaTypes] });
    app.use(bodyParserErrorToProblem(definition.jsonBodyLimitName));
    // Each after its own error handler: a body one parser refused skips the next parsers.
    for (const raw of definition.rawBodies ?? []) {
      app.useBodyParser('raw', { limit: raw.limitBytes, type: [...raw.mediaTypes] });
      app.use(bodyParserErrorToProblem(raw.limitName));
    }
    app.use(runInRequestContext);
    app.use(logRequests(logger));
    // Before every route (Nest adds them at init): /admin/* only on the admin listener's connections.
    if (adminListener) app.use(adminListener.middleware);
    app.useGlobalFilters(new ProblemDetailsFilter(logger));
    setUpOpenApi(app, definition.name, adminListener);
    if (config.SETTLE_MIGRATE_ON_START) {
      const report = await runMigrations(
        app.get(DataSource),
        [platformMigrations, ...definition.migrationSources],
        logger,
      );
      logger.info(
        {
          applied: report.applied.length,
          alreadyApplied: report.alreadyApplied,
          ...describeDatabase(config.DATABASE_URL, definition.name),
        },
        'migrations checked',
      );
    }
    return { app, config, logger, drainer, adminListener, adminTls };
  } catch (error) {
    await app.close();
    throw error;
  }
}

/**
 * {@link createServiceApp}, then listen on SETTLE_HTTP_HOST:SETTLE_HTTP_PORT — and, when
 * SETTLE_ADMIN_PORT is set, on SETTLE_HTTP_HOST:SETTLE_ADMIN_PORT too (plain HTTP or, with SETTLE_ADMIN_TLS_*, HTTPS; the same
 * application: only `/admin/*` and `/health/*` answer there). Signals are not handled.
 */
export async function startService<Definition extends CommonConfigDefinition>(
  definition: ServiceDefinition<Definition>,
  options: StartOptions = {},
): Promise<RunningService<Definition>> {
  const { app, config, logger, drainer, adminListener, adminTls } = await createServiceApp(
    definition,
    options,
  );
  let adminServer: Server | undefined;
  try {
    await app.listen(config.SETTLE_HTTP_PORT, config.SETTLE_HTTP_HOST);
    if (adminListener && config.SETTLE_ADMIN_PORT !== undefined) {
      adminServer = createLimitedHttpServer(
        serverLimitsOf(config),
        app.getHttpAdapter().getInstance(),
        adminTls,
      );
      adminListener.attach(adminServer);
      await listen(adminServer, config.SETTLE_ADMIN_PORT, config.SETTLE_HTTP_HOST);
    }
  } catch (error) {
    adminServer?.close();
    await app.close();
    throw error;
  }
  const server = app.getHttpServer() as Server;
  const host = config.SETTLE_HTTP_HOST.includes(':')
    ? `[${config.SETTLE_HTTP_HOST}]`
    : config.SETTLE_HTTP_HOST;
  const url = `${server instanceof TlsServer ? 'https' : 'http'}://${host}:${(server.address() as AddressInfo).port}`;
  const adminUrl = adminServer
    ? `${adminTls ? 'https' : 'http'}://${host}:${(adminServer.address() as AddressInfo).port}`
    : undefined;
  logger.info(
    { url, docs: `${url}/docs`, ...(adminUrl ? { adminUrl } : {}) },
    `${definition.name} listening`,
  );

  let closing: Promise<void> | undefined;
  const shutdown = (reason: string): Promise<void> => {
    closing ??= (async () => {
      const started = performance.now();
      const graceMs = config.SETTLE_SHUTDOWN_GRACE_MS;
      app.get(ServiceLifecycle).beginShutdown(reason);
      drainer.drain();
      logger.info(
        { reason, graceMs, inFlight: drainer.inFlightCount },
        'shutting down: refusing new connections, finishing in-flight requests',
      );
      const deadline = setTimeout(() => {
        logger.warn({ graceMs }, 'grace period over: closing the remaining connections');
        server.closeAllConnections();
        adminServer?.closeAllConnections();
      }, graceMs);
      deadline.unref();
      try {
        // Both stop accepting at once; the admin server is closed beside Nest's, which it does not know.
        await Promise.all([app.close(), adminServer ? close(adminServer) : undefined]);
      } finally {
        clearTimeout(deadline);
      }
      logger.info({ durationMs: Math.round(performance.now() - started) }, 'shut down');
    })();
    return closing;
  };
  return { app, config, logger, drainer, adminListener, url, adminUrl, shutdown };
}

function serverLimitsOf(config: CommonConfig): HttpServerLimits {
  return {
    headersTimeoutMs: config.SETTLE_HTTP_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: config.SETTLE_HTTP_REQUEST_TIMEOUT_MS,
    connectionsMax: config.SETTLE_HTTP_CONNECTIONS_MAX,
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) =>
    server.close((error) => (error ? reject(error) : resolve())),
  );
}

/**
 * The entry point of a service's `main.ts`: starts it, and on SIGTERM or SIGINT shuts it down
 * gracefully (see {@link RunningService.shutdown}), flushes telemetry and exits 0 — or 1 if the
 * shutdown fails or outlasts the grace period. A bad configuration prints every problem and exits 1.
 *
 * Nest's `enableShutdownHooks()` is not used: it runs the same hooks but has no deadline and no
 * readiness flip. A second SIGINT (Ctrl-C twice) kills the process at once.
 */
export async function bootstrapService<Definition extends CommonConfigDefinition>(
  definition: ServiceDefinition<Definition>,
): Promise<RunningService<Definition> | undefined> {
  let running: RunningService<Definition>;
  try {
    running = await startService(definition);
  } catch (error) {
    if (error instanceof ConfigurationError) {
      process.stderr.write(`${definition.name}: ${error.message}\n`);
    } else {
      createLogger({ serviceName: definition.name, level: 'info' }).fatal(
        { err: error },
        `${definition.name} failed to start`,
      );
    }
    await shutdownTelemetry();
    process.exit(1);
  }
  const onSignal = (signal: NodeJS.Signals): void => {
    const hardStop = setTimeout(() => {
      running.logger.fatal({ signal }, 'shutdown did not finish in time: exiting');
      process.exit(1);
    }, running.config.SETTLE_SHUTDOWN_GRACE_MS + shutdownHardStopExtraMs);
    hardStop.unref();
    running
      .shutdown(signal)
      .then(() => shutdownTelemetry())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          running.logger.fatal({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  return running;
}

/**
 * Applies a service's migrations without starting it (`npm run migrate -- <service>`): the same
 * configuration checks, the same sources in the same order, one connection.
 */
export async function migrateService<Definition extends CommonConfigDefinition>(
  definition: ServiceDefinition<Definition>,
  options: StartOptions = {},
): Promise<MigrationReport> {
  const config = loadServiceConfig(definition.name, definition.config, options.env ?? process.env);
  const logger = createLogger({
    serviceName: definition.name,
    level: config.LOG_LEVEL,
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  });
  const pool = new Pool({
    connectionString: config.DATABASE_URL,
    max: 1,
    application_name: `settle-${definition.name}-migrate`,
  });
  // Without a listener, an error on an idle connection (the server restarting) would crash the process.
  pool.on('error', (error) => logger.warn({ err: error }, 'database connection lost'));
  try {
    const report = await runMigrations(
      pool,
      [platformMigrations, ...definition.migrationSources],
      logger,
    );
    logger.info(
      {
        applied: report.applied,
        alreadyApplied: report.alreadyApplied,
        ...describeDatabase(config.DATABASE_URL, definition.name),
      },
      'migrations done',
    );
    return report;
  } finally {
    await pool.end();
  }
}

/**
 * OpenAPI at `/docs` (UI) and `/docs-json`. With an admin listener, the main port is the public one:
 * it serves no UI (the admin listener does), and its document leaves the admin routes out — the
 * device-facing API stays documented where devices reach it, the operators' API where they do.
 */
function setUpOpenApi(
  app: NestExpressApplication,
  name: ServiceName,
  adminListener: AdminListenerSeparation | undefined,
): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(`settle ${name}`)
      .setDescription(
        `HTTP API of the ${name} service. Errors are application/problem+json (RFC 9457) with a stable code.`,
      )
      .setVersion('1')
      .addBearerAuth(
        { type: 'http', scheme: 'bearer', description: 'Admin credentials: <operatorId>.<secret>' },
        adminSecurityScheme,
      )
      .build(),
  );
  const publicDocument = withoutAdminRoutes(document);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    ...(adminListener
      ? {
          patchDocumentOnRequest: (request: unknown) =>
            adminListener.isAdminConnection(request as SocketRequest) ? document : publicDocument,
        }
      : {}),
  });
}

function withoutAdminRoutes(document: OpenAPIObject): OpenAPIObject {
  return {
    ...document,
    paths: Object.fromEntries(
      Object.entries(document.paths).filter(([path]) => !/^\/admin(\/|$)/.test(path)),
    ),
  };
}
