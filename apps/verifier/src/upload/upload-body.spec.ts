import { randomBytes } from 'node:crypto';
import { base64UrlEncode, encodeCborDeterministic, hexToBytes } from '@settle/crypto';
import {
  announcedArrayLength,
  parseCborUploadBody,
  parseJsonUploadBody,
  type UploadBodyResult,
} from './upload-body';
import {
  uploadBatchTransactionsMax,
  uploadBodySizeMaxBytes,
  uploadFieldNameLengthMax,
  uploadFieldProblemsMax,
  uploadTransactionSizeMaxBytes,
} from './upload-limits';

function problemOf(result: UploadBodyResult) {
  if (result.ok) throw new Error('expected a problem');
  return result.problem;
}

const transactions = (count: number, size = 40) =>
  Array.from({ length: count }, () => new Uint8Array(randomBytes(size)));

describe('upload limits', () => {
  it('fit the largest legitimate batch in either media type under the body limit', () => {
    const largest = transactions(uploadBatchTransactionsMax, uploadTransactionSizeMaxBytes);
    const cbor = encodeCborDeterministic(largest);
    const json = JSON.stringify({ transactions: largest.map((bytes) => base64UrlEncode(bytes)) });
    expect(cbor.length).toBeLessThanOrEqual(uploadBodySizeMaxBytes);
    expect(Buffer.byteLength(json)).toBeLessThanOrEqual(uploadBodySizeMaxBytes);
    // …and not wastefully: the limit is less than twice the larger of the two.
    expect(uploadBodySizeMaxBytes).toBeLessThan(2 * Buffer.byteLength(json));
  });
});

describe('parseCborUploadBody', () => {
  it('returns the byte strings exactly as received, as views into the body', () => {
    const batch = transactions(3);
    const body = encodeCborDeterministic(batch);
    const result = parseCborUploadBody(body);
    expect(result).toEqual({ ok: true, transactions: batch });
    if (result.ok) expect(result.transactions[0]!.buffer).toBe(body.buffer);
  });

  it('refuses an empty array (UPLOAD_BATCH_EMPTY) and a batch over the count limit (413, naming the limit)', () => {
    expect(problemOf(parseCborUploadBody(hexToBytes('80')))).toMatchObject({
      status: 400,
      code: 'UPLOAD_BATCH_EMPTY',
      errors: [{ field: 'transactions', code: 'OUT_OF_RANGE' }],
    });
    const tooMany = problemOf(
      parseCborUploadBody(encodeCborDeterministic(transactions(uploadBatchTransactionsMax + 1, 1))),
    );
    expect(tooMany).toMatchObject({
      status: 413,
      code: 'UPLOAD_BATCH_TOO_LARGE',
      errors: [{ field: 'transactions', code: 'OUT_OF_RANGE' }],
    });
    expect(tooMany.detail).toContain('uploadBatchTransactionsMax');
  });

  it('refuses an empty array followed by trailing bytes as malformed, not as empty', () => {
    // The counterexample the upload property test found: 0x80 0x00.
    expect(problemOf(parseCborUploadBody(hexToBytes('8000')))).toMatchObject({
      status: 400,
      code: 'MALFORMED_CBOR',
      errors: [{ field: 'body', code: 'INVALID_FORMAT' }],
    });
  });

  it('refuses a huge announced count from the array head alone, before decoding', () => {
    // 0x9b: an array of 2^40 items announced in 9 bytes, nothing after it.
    const body = hexToBytes('9b0000010000000000');
    expect(announcedArrayLength(body)).toBe(2 ** 40);
    expect(problemOf(parseCborUploadBody(body))).toMatchObject({
      status: 413,
      code: 'UPLOAD_BATCH_TOO_LARGE',
    });
  });

  it.each([
    ['empty body', ''],
    ['truncated byte string', '814401'],
    ['indefinite-length array', '9f4101ff'],
    ['non-minimal length', '98014101'],
    ['trailing bytes', '81410100'],
    ['a float', '81f93c00'],
  ])('refuses %s as MALFORMED_CBOR naming the CBOR error, not the bytes', (_name, hex) => {
    const problem = problemOf(parseCborUploadBody(hexToBytes(hex)));
    expect(problem).toMatchObject({
      status: 400,
      code: 'MALFORMED_CBOR',
      errors: [{ field: 'body', code: 'INVALID_FORMAT' }],
    });
    expect(problem.errors[0]!.message).toMatch(/ERR_CBOR_[A-Z_]+/);
  });

  it.each([
    ['a map', 'a0', 'transactions'],
    ['an integer', '01', 'transactions'],
    ['a byte string', '4101', 'transactions'],
  ])('refuses %s instead of the array (VALIDATION_FAILED, INVALID_TYPE)', (_name, hex, field) => {
    expect(problemOf(parseCborUploadBody(hexToBytes(hex)))).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      errors: [{ field, code: 'INVALID_TYPE' }],
    });
  });

  it('names every item that is not a byte string (text, integer, nested array), bounded', () => {
    const problem = problemOf(
      parseCborUploadBody(
        encodeCborDeterministic([new Uint8Array([1]), 'text', 7, [new Uint8Array([2])]]),
      ),
    );
    expect(problem.code).toBe('VALIDATION_FAILED');
    expect(problem.errors.map(({ field, code }) => [field, code])).toEqual([
      ['transactions[1]', 'INVALID_TYPE'],
      ['transactions[2]', 'INVALID_TYPE'],
      ['transactions[3]', 'INVALID_TYPE'],
    ]);
    const many = problemOf(
      parseCborUploadBody(
        encodeCborDeterministic(Array.from({ length: 100 }, (_, index) => index)),
      ),
    );
    expect(many.errors).toHaveLength(uploadFieldProblemsMax);
    expect(many.detail).toContain(`${100 - uploadFieldProblemsMax} more`);
  });

  it('leaves oversized transactions to the per-transaction receipt', () => {
    const result = parseCborUploadBody(
      encodeCborDeterministic([new Uint8Array(uploadTransactionSizeMaxBytes + 1)]),
    );
    expect(result.ok && result.transactions[0]!.length).toBe(uploadTransactionSizeMaxBytes + 1);
  });
});

describe('parseJsonUploadBody', () => {
  it('decodes canonical base64url', () => {
    const batch = transactions(2);
    expect(
      parseJsonUploadBody({ transactions: batch.map((bytes) => base64UrlEncode(bytes)) }),
    ).toEqual({ ok: true, transactions: batch });
  });

  it.each([
    ['an array', []],
    ['null', null],
    ['a string', 'x'],
    ['a number', 1],
  ])('refuses %s as the body', (_name, body) => {
    expect(problemOf(parseJsonUploadBody(body))).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      errors: [{ field: 'body', code: 'INVALID_TYPE' }],
    });
  });

  it('names unknown members (bounded) and a missing or mistyped transactions member', () => {
    const longName = 'x'.repeat(500);
    const unknown = problemOf(
      parseJsonUploadBody({ transactions: ['AA'], note: 'hi', [longName]: 1 }),
    );
    expect(unknown.errors.map(({ field, code }) => [field, code])).toEqual([
      ['note', 'UNKNOWN_FIELD'],
      [`${'x'.repeat(uploadFieldNameLengthMax)}…`, 'UNKNOWN_FIELD'],
    ]);
    expect(problemOf(parseJsonUploadBody({}))).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ field: 'transactions', code: 'REQUIRED' }],
    });
    expect(problemOf(parseJsonUploadBody({ transactions: 'AA' }))).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ field: 'transactions', code: 'INVALID_TYPE' }],
    });
    expect(problemOf(parseJsonUploadBody({ transactions: { 0: 'AA' } }))).toMatchObject({
      errors: [{ field: 'transactions', code: 'INVALID_TYPE' }],
    });
  });

  it('refuses an own __proto__ member as unknown (what JSON.parse makes of it)', () => {
    expect(
      problemOf(parseJsonUploadBody(JSON.parse('{"transactions":["AA"],"__proto__":{"x":1}}'))),
    ).toMatchObject({ errors: [{ field: '__proto__', code: 'UNKNOWN_FIELD' }] });
  });

  it('names items that are not strings, and strings that are not canonical unpadded base64url', () => {
    const problem = problemOf(
      parseJsonUploadBody({
        transactions: ['AAEC', 12, null, 'AA==', 'A+/B', 'AB', 'A', ' AAEC', { bytes: 'AA' }],
      }),
    );
    expect(problem.errors.map(({ field, code }) => [field, code])).toEqual([
      ['transactions[1]', 'INVALID_TYPE'],
      ['transactions[2]', 'INVALID_TYPE'],
      ['transactions[3]', 'INVALID_FORMAT'],
      ['transactions[4]', 'INVALID_FORMAT'],
      // 'AB' has non-zero unused bits: two strings would decode to the same byte.
      ['transactions[5]', 'INVALID_FORMAT'],
      ['transactions[6]', 'INVALID_FORMAT'],
      ['transactions[7]', 'INVALID_FORMAT'],
      ['transactions[8]', 'INVALID_TYPE'],
    ]);
  });

  it('applies the count limits before looking at the items', () => {
    expect(problemOf(parseJsonUploadBody({ transactions: [] }))).toMatchObject({
      status: 400,
      code: 'UPLOAD_BATCH_EMPTY',
    });
    expect(
      problemOf(
        parseJsonUploadBody({ transactions: Array(uploadBatchTransactionsMax + 1).fill(1) }),
      ),
    ).toMatchObject({ status: 413, code: 'UPLOAD_BATCH_TOO_LARGE' });
  });
});
