import { activeTraceId } from '@settle/telemetry';
import pino, { type DestinationStream, type Level, type Logger } from 'pino';
import { currentRequestId } from './request-context';

export type LogLevel = Level | 'silent';
export type { Logger } from 'pino';

/**
 * Paths pino replaces with `[redacted]`: credentials in headers and any field that is obviously a
 * secret, at the top level or one object down.
 */
export const redactedLogPaths: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["sec-token-binding"]',
  'req.headers.dpop',
  'headers.authorization',
  'headers.cookie',
  'headers["sec-token-binding"]',
  'headers.dpop',
  ...[
    'authorization',
    'password',
    'secret',
    'secretHash',
    'token',
    'accessToken',
    'refreshToken',
    'databaseUrl',
  ].flatMap((field) => [field, `*.${field}`]),
];

export interface CreateLoggerOptions {
  readonly serviceName: string;
  readonly level: LogLevel;
  /** Defaults to stdout; tests pass a stream they can read. */
  readonly destination?: DestinationStream;
}

/**
 * The service's JSON logger: one line per event on stdout, ISO time, `level` as a word, the service
 * name, and — on every line written while serving a request — `requestId` and `traceId`.
 */
export function createLogger(options: CreateLoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: options.serviceName },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: [...redactedLogPaths], censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.err },
      mixin: () => {
        const requestId = currentRequestId();
        const traceId = activeTraceId();
        return { ...(requestId ? { requestId } : {}), ...(traceId ? { traceId } : {}) };
      },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
