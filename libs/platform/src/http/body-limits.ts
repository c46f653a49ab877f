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
 * A parser of raw bodies: requests of these media types arrive in the handler as a `Buffer`
 * (`request.body`), e.g. the verifier's `application/cbor` uploads. Its limit is its own.
 */
export interface RawBodyParser {
  /** Media types (`type-is` patterns) read as bytes, e.g. `['application/cbor']`. */
  readonly mediaTypes: readonly string[];
  /** Largest body, in bytes; a larger one is answered 413 before any handler runs. */
  readonly limitBytes: number;
  /** The limit's name as the 413 problem gives it (the constant's name, e.g. `uploadBodySizeMaxBytes`). */
  readonly limitName: string;
}

/** What Express calls for an error: `(error, request, response, next)`. */
export type BodyParserErrorMiddleware = (error: unknown, request: PlatformRequest, response: PlatformResponse, next: (error: unknown) => void) => void;

/**
 * Express error middleware placed right after a body parser: turns its errors into problems
 * (the parser's own messages quote the body, so none is passed on) and hands them to Nest's
 * exception handling, i.e. the global filter. With `limitName`, a 413 names the limit (in `detail`
 * and as a field problem of `body`).
 */
export function bodyParserErrorToProblem(limitName?: string): BodyParserErrorMiddleware {
  return (error, _request, _response, next) => next(problemOfBodyParserError(error, limitName));
}

function problemOfBodyParserError(error: unknown, limitName: string | undefined): unknown {
  const { type, limit } = (typeof error === 'object' && error !== null ? error : {}) as BodyParserError;
  switch (type) {
    case 'entity.too.large': {
      const limitBytes = typeof limit === 'number' ? limit : httpJsonBodyLimitBytes;
      const named = limitName === undefined ? '' : ` (${limitName})`;
      return new ProblemException({
        status: HttpStatus.PAYLOAD_TOO_LARGE,
        code: PlatformProblemCode.payloadTooLarge,
        title: 'Payload too large',
        detail: `The request body is larger than ${limitBytes} bytes${named}.`,
        ...(limitName === undefined ? {} : { errors: [{ field: 'body', code: 'OUT_OF_RANGE', message: `at most ${limitBytes} bytes${named}` }] }),
      });
    }
    case 'entity.parse.failed':
      return new ProblemException({
        status: HttpStatus.BAD_REQUEST,
        code: PlatformProblemCode.malformedJson,
        title: 'Malformed JSON',
        detail: 'The request body is not valid JSON.',
      });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ProblemException({
        status: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
        code: PlatformProblemCode.unsupportedMediaType,
        title: 'Unsupported media type',
        detail: 'The request body uses an unsupported encoding or charset.',
      });
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new ProblemException({
        status: HttpStatus.BAD_REQUEST,
        code: PlatformProblemCode.badRequest,
        title: 'Bad request',
        detail: 'The request body could not be read.',
      });
    default:
      return error;
  }
}
