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

function payloadTooLarge(limitBytes: number, limitName: string | undefined): ProblemException {
  const named = limitName === undefined ? '' : ` (${limitName})`;
  return new ProblemException({
    status: HttpStatus.PAYLOAD_TOO_LARGE,
    code: PlatformProblemCode.payloadTooLarge,
    title: 'Payload too large',
    detail: `The request body is larger than ${limitBytes} bytes${named}.`,
    ...(limitName === undefined
      ? {}
      : {
          errors: [
            { field: 'body', code: 'OUT_OF_RANGE', message: `at most ${limitBytes} bytes${named}` },
          ],
        }),
  });
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
export type BodyParserErrorMiddleware = (
  error: unknown,
  request: PlatformRequest,
  response: PlatformResponse,
  next: (error: unknown) => void,
) => void;

/**
 * Express error middleware placed right after a body parser: turns its errors into problems
 * (the parser's own messages quote the body, so none is passed on) and hands them to Nest's
 * exception handling, i.e. the global filter. With `limitName`, a 413 names the limit (in `detail`
 * and as a field problem of `body`).
 */
export function bodyParserErrorToProblem(limitName?: string): BodyParserErrorMiddleware {
  return (error, request, _response, next) =>
    next(problemOfBodyParserError(error, limitName, contentEncodingOf(request)));
}

/** The request's Content-Encoding, lower-cased; `identity` when none. Only the parser judges it. */
function contentEncodingOf(request: PlatformRequest): string {
  const header = request.headers['content-encoding'];
  const value = (Array.isArray(header) ? header.join(',') : (header ?? 'identity'))
    .trim()
    .toLowerCase();
  // Quoted back in `detail`: a short token, never arbitrary header text.
  return /^[a-z0-9-]{1,16}$/.test(value) ? value : 'encoded';
}

export function problemOfBodyParserError(
  error: unknown,
  limitName: string | undefined,
  contentEncoding = 'identity',
): unknown {
  // Refused before the parser (the announced length): every error middleware sees it, as it is.
  if (error instanceof ProblemException) return error;
  const { type, limit } = (
    typeof error === 'object' && error !== null ? error : {}
  ) as BodyParserError;
  switch (type) {
    case 'entity.too.large':
      return payloadTooLarge(typeof limit === 'number' ? limit : httpJsonBodyLimitBytes, limitName);
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
      return unreadableBody();
    default:
      return problemOfUntypedError(error, contentEncoding);
  }
}

/**
 * The parser's untyped errors: a body that does not inflate by its Content-Encoding (a zlib or
 * brotli error, which the parser only marks 400) and any other 4xx it raises. Untouched, they
 * reached the filter as unknown errors: a 500 on every POST, even to an unknown route.
 */
function problemOfUntypedError(error: unknown, contentEncoding: string): unknown {
  const { status } = (typeof error === 'object' && error !== null ? error : {}) as BodyParserError;
  if (typeof status !== 'number' || status < 400 || status > 499) return error;
  if (contentEncoding !== 'identity') {
    return new ProblemException({
      status: HttpStatus.BAD_REQUEST,
      code: PlatformProblemCode.malformedContentEncoding,
      title: 'Malformed content encoding',
      detail: `The request body is not valid ${contentEncoding} data.`,
      errors: [
        { field: 'body', code: 'INVALID_FORMAT', message: `is not valid ${contentEncoding} data` },
      ],
    });
  }
  return unreadableBody();
}

function unreadableBody(): ProblemException {
  return new ProblemException({
    status: HttpStatus.BAD_REQUEST,
    code: PlatformProblemCode.badRequest,
    title: 'Bad request',
    detail: 'The request body could not be read.',
  });
}

/** A body limit as the early check sees it: the media types it applies to, its size and name. */
export interface AnnouncedBodyLimit {
  readonly mediaTypes: readonly string[];
  readonly limitBytes: number;
  readonly limitName?: string;
}

/** What the early check needs of a request: Express's `req.is` (type-is) besides the headers. */
interface TypedRequest extends PlatformRequest {
  is(types: string[]): string | false | null;
}

/**
 * Express middleware placed before the body parsers: a request whose announced Content-Length is
 * over the limit of its media type (or, for a type no parser reads, over the largest limit) is
 * answered 413 at once, and its connection closed after the answer. The parsers would refuse it
 * too, but only after reading — and discarding — the whole body.
 */
export function refuseAnnouncedOversizedBodies(
  limits: readonly AnnouncedBodyLimit[],
): (request: TypedRequest, response: PlatformResponse, next: (error?: unknown) => void) => void {
  if (limits.length === 0) throw new Error('refuseAnnouncedOversizedBodies: no limits');
  const largest = limits.reduce((widest, candidate) =>
    candidate.limitBytes > widest.limitBytes ? candidate : widest,
  );
  return (request, response, next) => {
    const announced = request.headers['content-length'];
    // Any run of digits: a 20-digit length is a float far over every limit, never "unknown".
    const lengthBytes =
      typeof announced === 'string' && /^\d+$/.test(announced) ? Number(announced) : 0;
    if (lengthBytes === 0) return next();
    const applicable = limits.find((limit) => request.is([...limit.mediaTypes])) ?? {
      limitBytes: largest.limitBytes,
    };
    if (lengthBytes <= applicable.limitBytes) return next();
    // The unread body stays on the wire: the connection cannot carry another request.
    response.setHeader('connection', 'close');
    next(
      payloadTooLarge(
        applicable.limitBytes,
        'limitName' in applicable ? applicable.limitName : undefined,
      ),
    );
  };
}
