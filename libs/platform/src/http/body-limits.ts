import { HttpStatus } from '@nestjs/common';
import { type PlatformRequest, type PlatformResponse } from './http-types';
import { PlatformProblemCode, ProblemException } from './problem';

/**
 * Largest JSON request body, in bytes (1 MiB). The biggest legitimate body is a POS upload batch;
 * its use case sets a tighter count limit of its own. A service may pass a different value to
 * `bootstrapService` (`jsonBodyLimitBytes`).
 */
export const httpJsonBodyLimitBytes = 1_048_576;

/** Media types parsed as JSON. */
export const jsonMediaTypes = ['application/json', 'application/*+json'] as const;

/** What Express's body parser attaches to the errors it raises. */
interface BodyParserError {
  readonly type?: unknown;
  readonly status?: unknown;
  readonly limit?: unknown;
}

/**
 * Express error middleware placed right after the body parser: turns its errors into problems
 * (the parser's own messages quote the body, so none is passed on) and hands them to Nest's
 * exception handling, i.e. the global filter.
 */
export function bodyParserErrorToProblem(error: unknown, _request: PlatformRequest, _response: PlatformResponse, next: (error: unknown) => void): void {
  const { type, limit } = (typeof error === 'object' && error !== null ? error : {}) as BodyParserError;
  switch (type) {
    case 'entity.too.large':
      return next(
        new ProblemException({
          status: HttpStatus.PAYLOAD_TOO_LARGE,
          code: PlatformProblemCode.payloadTooLarge,
          title: 'Payload too large',
          detail: `The request body is larger than ${typeof limit === 'number' ? limit : httpJsonBodyLimitBytes} bytes.`,
        }),
      );
    case 'entity.parse.failed':
      return next(
        new ProblemException({
          status: HttpStatus.BAD_REQUEST,
          code: PlatformProblemCode.malformedJson,
          title: 'Malformed JSON',
          detail: 'The request body is not valid JSON.',
        }),
      );
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return next(
        new ProblemException({
          status: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
          code: PlatformProblemCode.unsupportedMediaType,
          title: 'Unsupported media type',
          detail: 'The request body uses an unsupported encoding or charset.',
        }),
      );
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return next(
        new ProblemException({
          status: HttpStatus.BAD_REQUEST,
          code: PlatformProblemCode.badRequest,
          title: 'Bad request',
          detail: 'The request body could not be read.',
        }),
      );
    default:
      return next(error);
  }
}
