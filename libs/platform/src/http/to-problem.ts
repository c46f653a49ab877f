import { HttpException, HttpStatus } from '@nestjs/common';
import {
  PlatformProblemCode,
  type ProblemDetails,
  problemTypeFor,
  ProblemException,
} from './problem';

/** Title and code for an HTTP status that reached the filter without a ProblemException. */
const statusProblems: Readonly<Record<number, { code: string; title: string }>> = {
  400: { code: PlatformProblemCode.badRequest, title: 'Bad request' },
  401: { code: PlatformProblemCode.unauthorized, title: 'Unauthorized' },
  403: { code: PlatformProblemCode.forbidden, title: 'Forbidden' },
  404: { code: PlatformProblemCode.notFound, title: 'Not found' },
  405: { code: PlatformProblemCode.methodNotAllowed, title: 'Method not allowed' },
  406: { code: PlatformProblemCode.notAcceptable, title: 'Not acceptable' },
  409: { code: PlatformProblemCode.conflict, title: 'Conflict' },
  413: { code: PlatformProblemCode.payloadTooLarge, title: 'Payload too large' },
  415: { code: PlatformProblemCode.unsupportedMediaType, title: 'Unsupported media type' },
  429: { code: PlatformProblemCode.tooManyRequests, title: 'Too many requests' },
  503: { code: PlatformProblemCode.serviceUnavailable, title: 'Service unavailable' },
};

const internalErrorDetail = 'An unexpected error occurred. Quote the request id when reporting it.';

export interface ResolvedProblem {
  readonly problem: ProblemDetails;
  readonly headers: Readonly<Record<string, string>>;
  /** True for an error nobody threw on purpose (a bug, a lost database): logged with its stack. */
  readonly unexpected: boolean;
}

/**
 * Maps anything thrown while serving a request to the problem the caller sees. Unknown errors
 * become a bare 500: no message, class name or stack leaves the process.
 */
export function toProblem(exception: unknown): ResolvedProblem {
  if (exception instanceof ProblemException) {
    // Thrown on purpose (even a 503): the code says it all, no stack needed.
    return { problem: exception.problem, headers: exception.headers, unexpected: false };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const known = statusProblems[status];
    // A 4xx message is written for the caller ("Cannot GET /nope"); a 5xx one may not be.
    const detail = status < 500 ? messageOf(exception) : internalErrorDetail;
    const code =
      known?.code ??
      (status < 500 ? PlatformProblemCode.badRequest : PlatformProblemCode.internalError);
    const title = known?.title ?? (status < 500 ? 'Bad request' : 'Internal server error');
    return {
      problem: { type: problemTypeFor(code), title, status, detail, code },
      headers: {},
      unexpected: status >= 500,
    };
  }
  const code = PlatformProblemCode.internalError;
  return {
    problem: {
      type: problemTypeFor(code),
      title: 'Internal server error',
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      detail: internalErrorDetail,
      code,
    },
    headers: {},
    unexpected: true,
  };
}

function messageOf(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return message.filter((part) => typeof part === 'string').join('; ');
  return exception.message;
}
