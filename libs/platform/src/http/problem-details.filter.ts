import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import { activeTraceId } from '@settle/telemetry';
import { type Logger } from 'pino';
import { type PlatformRequest, type PlatformResponse, requestPath } from './http-types';
import { problemContentType } from './problem';
import { toProblem } from './to-problem';

/**
 * The one global exception filter: every error an HTTP caller sees is `application/problem+json`
 * (RFC 9457) with a stable `code`, the request id and the trace id. Errors of the service itself are
 * logged with their stack; the caller gets none of it.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const request = host.switchToHttp().getRequest<PlatformRequest>();
    const response = host.switchToHttp().getResponse<PlatformResponse>();
    const { problem, headers, unexpected } = toProblem(exception);
    const path = requestPath(request);
    if (unexpected) {
      this.logger.error(
        { err: exception, method: request.method, path, status: problem.status },
        'request failed',
      );
    } else if (problem.status >= 500) {
      this.logger.warn(
        { method: request.method, path, status: problem.status, code: problem.code },
        'request refused',
      );
    } else {
      this.logger.debug(
        { method: request.method, path, status: problem.status, code: problem.code },
        'request rejected',
      );
    }
    if (response.headersSent) return;
    const traceId = activeTraceId();
    const body = {
      ...problem,
      instance: path,
      ...(request.requestId ? { requestId: request.requestId } : {}),
      ...(traceId ? { traceId } : {}),
    };
    for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
    response.status(problem.status).type(problemContentType).send(JSON.stringify(body));
  }
}
