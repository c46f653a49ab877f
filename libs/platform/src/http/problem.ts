import { HttpException, HttpStatus } from '@nestjs/common';

/** One invalid field of a request, named by its path (`items[0].amount`). */
export interface FieldProblem {
  readonly field: string;
  /** Stable: `REQUIRED`, `INVALID_TYPE`, `INVALID_FORMAT`, `OUT_OF_RANGE`, `NOT_ALLOWED`, `UNKNOWN_FIELD`, `INVALID`. */
  readonly code: string;
  readonly message: string;
}

/**
 * An RFC 9457 problem details body. `code` is the stable, machine-readable part (clients branch on
 * it, never on `title` or `detail`); `type` is a URN derived from it.
 */
export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: string;
  readonly errors?: readonly FieldProblem[];
  readonly instance?: string;
  readonly requestId?: string;
  readonly traceId?: string;
}

export const problemContentType = 'application/problem+json';

/** `type` of every problem: `urn:settle:problem:<code>` (a URN, so nobody expects it to resolve). */
export function problemTypeFor(code: string): string {
  return `urn:settle:problem:${code.toLowerCase().replaceAll('_', '-')}`;
}

/** Codes the platform itself answers with. Services add their own next to their use cases. */
export const PlatformProblemCode = {
  badRequest: 'BAD_REQUEST',
  validationFailed: 'VALIDATION_FAILED',
  malformedJson: 'MALFORMED_JSON',
  malformedContentEncoding: 'MALFORMED_CONTENT_ENCODING',
  unauthorized: 'UNAUTHORIZED',
  adminUnauthorized: 'ADMIN_UNAUTHORIZED',
  adminNotConfigured: 'ADMIN_NOT_CONFIGURED',
  adminAuditUnavailable: 'ADMIN_AUDIT_UNAVAILABLE',
  forbidden: 'FORBIDDEN',
  notFound: 'NOT_FOUND',
  methodNotAllowed: 'METHOD_NOT_ALLOWED',
  notAcceptable: 'NOT_ACCEPTABLE',
  conflict: 'CONFLICT',
  payloadTooLarge: 'PAYLOAD_TOO_LARGE',
  unsupportedMediaType: 'UNSUPPORTED_MEDIA_TYPE',
  tooManyRequests: 'TOO_MANY_REQUESTS',
  internalError: 'INTERNAL_ERROR',
  serviceUnavailable: 'SERVICE_UNAVAILABLE',
} as const;

export interface ProblemInit {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string;
  readonly errors?: readonly FieldProblem[];
  /** Response headers to add, e.g. `WWW-Authenticate`. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly cause?: unknown;
}

/**
 * Throw this from a controller (or a guard, pipe or middleware) to answer with a specific problem.
 *
 * @example
 * throw ProblemException.validation([{ field: 'amount', code: 'OUT_OF_RANGE', message: 'must be positive' }]);
 */
export class ProblemException extends HttpException {
  readonly problem: ProblemDetails;
  readonly headers: Readonly<Record<string, string>>;

  constructor(init: ProblemInit) {
    super(init.detail, init.status, { cause: init.cause });
    if (!Number.isInteger(init.status) || init.status < 400 || init.status > 599) {
      throw new Error(`ProblemException: status must be 4xx or 5xx, got ${init.status}`);
    }
    if (!/^[A-Z][A-Z0-9_]*$/.test(init.code))
      throw new Error(`ProblemException: code must be UPPER_SNAKE, got ${init.code}`);
    this.problem = {
      type: problemTypeFor(init.code),
      title: init.title,
      status: init.status,
      detail: init.detail,
      code: init.code,
      ...(init.errors ? { errors: init.errors } : {}),
    };
    this.headers = init.headers ?? {};
  }

  static validation(
    errors: readonly FieldProblem[],
    detail = 'The request has invalid fields; see errors.',
  ): ProblemException {
    if (errors.length === 0)
      throw new Error('ProblemException.validation needs at least one field problem');
    return new ProblemException({
      status: HttpStatus.BAD_REQUEST,
      code: PlatformProblemCode.validationFailed,
      title: 'The request is invalid',
      detail,
      errors,
    });
  }
}
