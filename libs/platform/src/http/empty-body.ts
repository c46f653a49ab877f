import { HttpStatus } from '@nestjs/common';
import { jsonMediaTypes } from './body-limits';
import { type PlatformRequest } from './http-types';
import { PlatformProblemCode, ProblemException } from './problem';

/** Largest body a route without input accepts: `{}` with room for whitespace. */
export const emptyJsonBodySizeMaxBytes = 64;

/** What the check reads of a request: the headers, Express's `req.is`, and the parsed body. */
export interface BodyOfRequest extends PlatformRequest {
  readonly body?: unknown;
  is(types: string[]): string | false | null;
}

/**
 * For a route that takes no input (a check-in, a credential): the request has no body, or the
 * JSON object `{}` of at most {@link emptyJsonBodySizeMaxBytes}. Anything else — text, XML, a deep or
 * large JSON document — is refused before the route does any work: 413 over the size, 415 for
 * another media type, 400 naming the unexpected fields.
 *
 * @example
 * requireEmptyJsonBody(request); // in the handler, before it signs or stores anything
 */
export function requireEmptyJsonBody(request: BodyOfRequest): void {
  const announced = request.headers['content-length'];
  const hasBody =
    request.headers['transfer-encoding'] !== undefined ||
    (announced !== undefined && announced !== '0');
  if (!hasBody) return;
  if (typeof announced === 'string' && !(Number(announced) <= emptyJsonBodySizeMaxBytes)) {
    throw new ProblemException({
      status: HttpStatus.PAYLOAD_TOO_LARGE,
      code: PlatformProblemCode.payloadTooLarge,
      title: 'Payload too large',
      detail: `This route takes no input: the body is empty or {} of at most ${emptyJsonBodySizeMaxBytes} bytes (emptyJsonBodySizeMaxBytes).`,
      errors: [
        {
          field: 'body',
          code: 'OUT_OF_RANGE',
          message: `at most ${emptyJsonBodySizeMaxBytes} bytes (emptyJsonBodySizeMaxBytes)`,
        },
      ],
    });
  }
  if (!request.is([...jsonMediaTypes])) {
    throw new ProblemException({
      status: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
      code: PlatformProblemCode.unsupportedMediaType,
      title: 'Unsupported media type',
      detail: 'This route takes no input: send no body, or {} as application/json.',
      errors: [
        { field: 'body', code: 'NOT_ALLOWED', message: 'must be empty or application/json' },
      ],
    });
  }
  const { body } = request;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw ProblemException.validation([
      { field: 'body', code: 'INVALID_TYPE', message: 'must be an empty JSON object' },
    ]);
  }
  const unexpected = Object.keys(body);
  if (unexpected.length > 0) {
    throw ProblemException.validation(
      unexpected.slice(0, 10).map((field) => ({
        field: field.slice(0, 64),
        code: 'UNKNOWN_FIELD',
        message: 'is not allowed here',
      })),
    );
  }
}
