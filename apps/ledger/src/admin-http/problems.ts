import { HttpStatus } from '@nestjs/common';
import { ProblemException } from '@settle/platform';

/** An admin route's problem+json answer naming the one field at fault. */
export const adminProblem = (
  status: number,
  code: string,
  title: string,
  field: string,
  message: string,
) =>
  new ProblemException({
    status,
    code,
    title,
    detail: `${field}: ${message}`,
    errors: [{ field, code, message }],
  });

export const notFound = (what: string, field: string) =>
  adminProblem(HttpStatus.NOT_FOUND, 'NOT_FOUND', 'Not found', field, `${what} was not found`);

/** The idempotency key of a movement was used for a request with other content. */
export const keyReused = (field: string) =>
  adminProblem(
    HttpStatus.CONFLICT,
    'IDEMPOTENCY_KEY_REUSED',
    'Client key reused',
    field,
    'was used for a different request',
  );
