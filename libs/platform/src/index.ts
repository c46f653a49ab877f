// Configuration
export {
  type BooleanVariable,
  type ConfigDefinition,
  ConfigurationError,
  type ConfigValues,
  ConfigValueError,
  defineConfig,
  type DurationVariable,
  type EnumVariable,
  type IntegerVariable,
  type JsonVariable,
  type StringVariable,
  type UrlVariable,
  type VariableDefinition,
} from './config/config-definition';
export { loadConfig, type LoadConfigOptions, projectVariablePrefix } from './config/load-config';
export {
  commonConfig,
  type CommonConfig,
  type CommonConfigDefinition,
  databaseNameFor,
  defaultHttpPorts,
  defineServiceConfig,
  loadServiceConfig,
  type ServiceName,
  serviceNames,
  servicePrefixFor,
  toolingVariables,
} from './config/service-config';
export {
  httpTlsConfig,
  type HttpTlsConfigValues,
  httpTlsServerOptions,
} from './config/http-tls-config';

// Logging
export {
  createLogger,
  type CreateLoggerOptions,
  type Logger,
  type LogLevel,
  redactedLogPaths,
} from './logging/logger';
export { PinoNestLogger } from './logging/nest-logger';
export { currentRequestId, requestIdHeader } from './logging/request-context';

// HTTP errors and validation
export { httpJsonBodyLimitBytes, jsonMediaTypes, type RawBodyParser } from './http/body-limits';
export {
  type BodyOfRequest,
  emptyJsonBodySizeMaxBytes,
  requireEmptyJsonBody,
} from './http/empty-body';
export { type PlatformRequest, type PlatformResponse } from './http/http-types';
export {
  type FieldProblem,
  PlatformProblemCode,
  problemContentType,
  type ProblemDetails,
  ProblemException,
  type ProblemInit,
  problemTypeFor,
} from './http/problem';
export { ProblemDetailsFilter } from './http/problem-details.filter';
export { toProblem } from './http/to-problem';
export { fieldProblemsMax, JsonSchemaValidationPipe } from './http/json-schema-validation.pipe';
export {
  deleteIdleRateLimitBuckets,
  type RateLimitBucket,
  type RateLimitDecision,
  rateLimitedProblem,
  rateLimitedProblemCode,
  type RateLimitSql,
  peekRateLimitTokens,
  takeRateLimitTokens,
} from './http/rate-limits';

// Health
export {
  HEALTH_CONTRIBUTORS,
  type HealthCheckResult,
  type HealthContributor,
  type HealthStatus,
} from './health/health-contributor';
export {
  type ContributorReport,
  type ReadinessReport,
  HealthService,
} from './health/health.service';
export { ServiceLifecycle } from './health/service-lifecycle';

// Database
export { CLOCK, type Clock, systemClock } from './clock/clock';
export { SQL_POOL, sqlPoolOf } from './database/sql-pool';
export {
  type NamedQuery,
  type NamedQueryExecutor,
  statementNameOf,
  type TextQueryExecutor,
  withNamedStatements,
} from './database/named-statements';
export {
  AndroidRevocationStatusKeeper,
  type AndroidRevocationStatusSettings,
  revocationListOff,
} from './attestation/android-revocation-status';
export {
  createDataSource,
  databaseConnectTimeoutMs,
  type DatabaseOptions,
} from './database/data-source';
export { platformMigrations } from './database/platform-migrations';
export {
  migrationAdvisoryLockKey,
  MigrationChecksumMismatchError,
  type MigrationLogger,
  type MigrationReport,
  type MigrationSource,
  MigrationSourceError,
  runMigrations,
} from './database/run-migrations';

// Admin
export { type AdminAuthentication, AdminAuthenticator } from './admin/admin-authenticator';
export {
  auditText,
  type AdminAuditEntry,
  AdminAuditLog,
  type AdminAuditOutcome,
} from './admin/admin-audit-log';
export { adminAuditIdHeader } from './admin/admin-audit.interceptor';
export { type AdminActor } from './admin/admin-context';
export { AdminLoginThrottle } from './admin/admin-login-throttle';
export {
  type AdminCredential,
  type AdminRole,
  adminRoles,
  formatScryptHash,
  hashAdminSecret,
  parseAdminAuthorization,
  parseAdminCredentials,
  parseScryptHash,
  scryptDefaults,
} from './admin/admin-credentials';
export { AdminListenerSeparation } from './admin/admin-listener';
export { AdminGuard, adminLoginThrottledCode, adminRoleRequiredCode } from './admin/admin.guard';
export {
  AdminActorOf,
  AdminOnly,
  AdminOperator,
  adminSecurityScheme,
} from './admin/admin-only.decorator';

// Bootstrap
export {
  bootstrapService,
  createServiceApp,
  migrateService,
  type RunningService,
  type ServiceApp,
  type ServiceDefinition,
  startService,
  type StartOptions,
} from './bootstrap/bootstrap-service';
export { PlatformModule, type PlatformModuleOptions } from './bootstrap/platform.module';
export {
  PLATFORM_LOGGER,
  READINESS_TIMEOUT_MS,
  SERVICE_CONFIG,
  SERVICE_NAME,
} from './bootstrap/platform-tokens';
