import { HttpStatus } from '@nestjs/common';
import { ProblemException } from '@settle/platform';
import { type CreateResult } from './create-result';

/** The admin routes' problem+json answers, each naming the one field at fault. */
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

/** The parent a create names (`merchantId` of a terminal, `accountId` of a device) and its code suffix. */
export interface CreateParent {
  readonly field: string;
  readonly kind: 'MERCHANT' | 'ACCOUNT';
}

/** created / duplicate as 200 with the record; a conflicting duplicate is 409 naming the id field; an unknown parent 422. */
export function createdOrProblem<T>(
  result: CreateResult<T>,
  idField: string,
  parent?: CreateParent,
): { outcome: 'created' | 'duplicate' } & T & { createdAt: string } {
  switch (result.outcome) {
    case 'created':
    case 'duplicate':
      return { outcome: result.outcome, ...result.record };
    case 'conflict':
      throw adminProblem(
        HttpStatus.CONFLICT,
        'ALREADY_EXISTS_WITH_DIFFERENT_CONTENT',
        'Already exists',
        idField,
        'exists with different content',
      );
    case 'unknown-parent':
      throw adminProblem(
        HttpStatus.UNPROCESSABLE_ENTITY,
        `UNKNOWN_${parent?.kind ?? ''}`,
        'Unknown reference',
        parent?.field ?? '',
        `names no known ${parent?.kind.toLowerCase() ?? ''}`,
      );
  }
}
