import { BadRequestException, HttpException, NotFoundException } from '@nestjs/common';
import { JsonSchemaValidationPipe } from './json-schema-validation.pipe';
import { ProblemException } from './problem';
import { toProblem } from './to-problem';

describe('toProblem', () => {
  it('passes a ProblemException through', () => {
    const thrown = ProblemException.validation([
      { field: 'amount', code: 'OUT_OF_RANGE', message: 'must be positive' },
    ]);
    expect(toProblem(thrown).problem).toEqual({
      type: 'urn:settle:problem:validation-failed',
      title: 'The request is invalid',
      status: 400,
      detail: 'The request has invalid fields; see errors.',
      code: 'VALIDATION_FAILED',
      errors: [{ field: 'amount', code: 'OUT_OF_RANGE', message: 'must be positive' }],
    });
  });

  it('gives Nest HTTP exceptions a stable code', () => {
    expect(toProblem(new NotFoundException('Cannot GET /nope')).problem).toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
      detail: 'Cannot GET /nope',
    });
    expect(toProblem(new BadRequestException(['a is wrong', 'b is wrong'])).problem).toMatchObject({
      code: 'BAD_REQUEST',
      detail: 'a is wrong; b is wrong',
    });
  });

  it('leaks nothing of an unknown error or of a 5xx message', () => {
    const secret = 'password authentication failed for user "settle_ledger" at 10.0.0.7';
    for (const thrown of [
      new Error(secret),
      new HttpException(secret, 502),
      { message: secret },
      secret,
    ]) {
      const resolved = toProblem(thrown);
      expect(JSON.stringify(resolved.problem)).not.toContain('password');
      expect(resolved.problem.detail).toBe(
        'An unexpected error occurred. Quote the request id when reporting it.',
      );
      expect(resolved.unexpected).toBe(true);
    }
    expect(toProblem(new Error(secret)).problem).toMatchObject({
      status: 500,
      code: 'INTERNAL_ERROR',
    });
  });

  it('refuses a malformed problem (programmer error)', () => {
    expect(
      () => new ProblemException({ status: 200, code: 'OK', title: 't', detail: 'd' }),
    ).toThrow('status must be 4xx or 5xx');
    expect(
      () => new ProblemException({ status: 400, code: 'bad-code', title: 't', detail: 'd' }),
    ).toThrow('UPPER_SNAKE');
  });
});

describe('JsonSchemaValidationPipe', () => {
  const pipe = new JsonSchemaValidationPipe<{ amount: string; items: { id: string }[] }>({
    type: 'object',
    additionalProperties: false,
    required: ['amount', 'items'],
    properties: {
      amount: { type: 'string', pattern: '^[0-9]+$' },
      items: {
        type: 'array',
        maxItems: 2,
        items: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } },
      },
    },
  });

  it('returns a valid value unchanged', () => {
    const value = { amount: '100', items: [{ id: 'a' }] };
    expect(pipe.transform(value)).toBe(value);
  });

  it('names each invalid field with a stable code', () => {
    let thrown: unknown;
    try {
      pipe.transform({ amount: 12, items: [{ id: 'a' }, {}, { id: 'c' }], extra: true });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ProblemException);
    const problem = (thrown as ProblemException).problem;
    expect(problem.code).toBe('VALIDATION_FAILED');
    expect(problem.errors?.map(({ field, code }) => ({ field, code }))).toEqual([
      { field: 'extra', code: 'UNKNOWN_FIELD' },
      { field: 'amount', code: 'INVALID_TYPE' },
      { field: 'items', code: 'OUT_OF_RANGE' },
      { field: 'items[1].id', code: 'REQUIRED' },
    ]);
  });
});
