import { type Logger } from 'pino';
import { type PlatformRequest, type PlatformResponse, requestPath } from '../http/http-types';

/** Probes every few seconds are logged at debug, not info. */
const quietPathPrefixes = ['/health/'] as const;

/** One log line per finished request: method, path (no query string), status, duration. */
export function logRequests(logger: Logger) {
  return (request: PlatformRequest, response: PlatformResponse, next: () => void): void => {
    const started = performance.now();
    response.once('finish', () => {
      const path = requestPath(request);
      const fields = {
        requestId: request.requestId,
        method: request.method,
        path,
        status: response.statusCode,
        durationMs: Math.round(performance.now() - started),
      };
      if (quietPathPrefixes.some((prefix) => path.startsWith(prefix)))
        logger.debug(fields, 'request completed');
      else logger.info(fields, 'request completed');
    });
    next();
  };
}
