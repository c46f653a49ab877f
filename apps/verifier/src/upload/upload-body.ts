// Reading the body of POST /v1/uploads into the list of transaction byte strings, for both media
// types, with the batch-level limits. Pure: the controller turns a problem into problem+json. Each
// transaction is only a byte string here; what is inside it is judged per transaction
// (upload.decider.ts), so one bad transaction never refuses the batch.
import { base64UrlDecode, CryptoError, decodeCborStrict } from '@settle/crypto';
import {
  uploadBatchTransactionsMax,
  uploadFieldNameLengthMax,
  uploadFieldProblemsMax,
} from './upload-limits';

/** Why a body was refused as a whole. A closed, ordered, append-only set (docs/verifier.md, "Upload"). */
export const uploadBodyProblemCodes = [
  /** `application/cbor` that is not one data item of strict deterministic CBOR (indefinite lengths included). */
  'MALFORMED_CBOR',
  /** The right syntax, the wrong shape: `errors` names each field (`transactions[3]`, an unknown member). */
  'VALIDATION_FAILED',
  /** No transaction at all. */
  'UPLOAD_BATCH_EMPTY',
  /** More than `uploadBatchTransactionsMax` transactions (413: split the batch). */
  'UPLOAD_BATCH_TOO_LARGE',
] as const;
export type UploadBodyProblemCode = (typeof uploadBodyProblemCodes)[number];

/** One invalid field, as problem+json lists it (codes of the platform's field-problem set). */
export interface UploadFieldProblem {
  readonly field: string;
  readonly code: 'REQUIRED' | 'INVALID_TYPE' | 'INVALID_FORMAT' | 'OUT_OF_RANGE' | 'UNKNOWN_FIELD';
  readonly message: string;
}

export interface UploadBodyProblem {
  readonly status: 400 | 413;
  readonly code: UploadBodyProblemCode;
  readonly detail: string;
  readonly errors: readonly UploadFieldProblem[];
}

export type UploadBodyResult =
  | { readonly ok: true; readonly transactions: readonly Uint8Array[] }
  | { readonly ok: false; readonly problem: UploadBodyProblem };

/** The one JSON member a body has. */
const transactionsField = 'transactions';

/**
 * An `application/cbor` body: a definite-length array of byte strings, strictly decoded. The
 * array's head is read first, so a huge announced count is refused without decoding anything.
 * Byte strings come back as views into `body` (no copy): the bytes exactly as received.
 *
 * @example
 * parseCborUploadBody(encodeCborDeterministic([transactionBytes])); // { ok: true, transactions: [transactionBytes] }
 */
export function parseCborUploadBody(body: Uint8Array): UploadBodyResult {
  // Only a count over the limit is judged before decoding (decoding it would be the cost); an
  // announced empty array may still be followed by trailing bytes, which make the body malformed.
  const announced = announcedArrayLength(body);
  if (announced !== undefined && announced > uploadBatchTransactionsMax) {
    const countProblem = checkCount(announced);
    if (countProblem) return { ok: false, problem: countProblem };
  }
  let value: unknown;
  try {
    value = decodeCborStrict(body);
  } catch (error) {
    if (!(error instanceof CryptoError)) throw error;
    // The library's code only: its message may quote bytes of the body.
    return refused(
      400,
      'MALFORMED_CBOR',
      `The body is not one data item of strict deterministic CBOR (${error.code}).`,
      [
        {
          field: 'body',
          code: 'INVALID_FORMAT',
          message: `not strict deterministic CBOR: ${error.code}`,
        },
      ],
    );
  }
  if (!Array.isArray(value))
    return validationFailed([
      {
        field: transactionsField,
        code: 'INVALID_TYPE',
        message: 'the body must be a CBOR array of byte strings',
      },
    ]);
  const countProblem = checkCount(value.length);
  if (countProblem) return { ok: false, problem: countProblem };
  const problems = value.flatMap((item, index): UploadFieldProblem[] =>
    item instanceof Uint8Array
      ? []
      : [
          {
            field: `${transactionsField}[${index}]`,
            code: 'INVALID_TYPE',
            message: 'must be a CBOR byte string',
          },
        ],
  );
  if (problems.length > 0) return validationFailed(problems);
  return { ok: true, transactions: value as Uint8Array[] };
}

/**
 * An `application/json` body, as parsed by the platform: exactly `{"transactions": [base64url…]}`
 * (unpadded, canonical base64url, RFC 4648 §5).
 *
 * @example
 * parseJsonUploadBody({ transactions: ['omN…'] }); // { ok: true, transactions: [Uint8Array] }
 * parseJsonUploadBody({ transactions: [12] });     // VALIDATION_FAILED, transactions[0] INVALID_TYPE
 */
export function parseJsonUploadBody(body: unknown): UploadBodyResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return validationFailed([
      {
        field: 'body',
        code: 'INVALID_TYPE',
        message: 'must be a JSON object {"transactions": [base64url, …]}',
      },
    ]);
  }
  const members = body as Record<string, unknown>;
  const shapeProblems: UploadFieldProblem[] = Object.keys(members)
    .filter((name) => name !== transactionsField)
    .map((name) => ({
      field: fieldName(name),
      code: 'UNKNOWN_FIELD',
      message: 'is not a member of an upload',
    }));
  const transactions = Object.hasOwn(members, transactionsField)
    ? members[transactionsField]
    : undefined;
  if (transactions === undefined)
    shapeProblems.push({ field: transactionsField, code: 'REQUIRED', message: 'is required' });
  else if (!Array.isArray(transactions))
    shapeProblems.push({
      field: transactionsField,
      code: 'INVALID_TYPE',
      message: 'must be an array of base64url strings',
    });
  if (shapeProblems.length > 0 || !Array.isArray(transactions))
    return validationFailed(shapeProblems);
  const countProblem = checkCount(transactions.length);
  if (countProblem) return { ok: false, problem: countProblem };
  const decoded: Uint8Array[] = [];
  const itemProblems: UploadFieldProblem[] = [];
  for (const [index, item] of transactions.entries()) {
    const field = `${transactionsField}[${index}]`;
    if (typeof item !== 'string') {
      itemProblems.push({ field, code: 'INVALID_TYPE', message: 'must be a base64url string' });
      continue;
    }
    const bytes = base64UrlDecode(item);
    if (bytes === undefined)
      itemProblems.push({
        field,
        code: 'INVALID_FORMAT',
        message: 'must be unpadded, canonical base64url',
      });
    else decoded.push(bytes);
  }
  if (itemProblems.length > 0) return validationFailed(itemProblems);
  return { ok: true, transactions: decoded };
}

/**
 * The element count a definite-length CBOR array head announces, or undefined when the body does
 * not start with one (the strict decoder then says what is wrong). Non-minimal heads are left to
 * the decoder too: only the count matters here.
 */
export function announcedArrayLength(body: Uint8Array): number | undefined {
  const initial = body[0];
  if (initial === undefined || initial >> 5 !== 4) return undefined;
  const info = initial & 0x1f;
  if (info < 24) return info;
  const lengthBytes = { 24: 1, 25: 2, 26: 4, 27: 8 }[info];
  if (lengthBytes === undefined || body.length < 1 + lengthBytes) return undefined;
  let count = 0;
  // Eight-byte counts beyond 2^53 lose precision, but stay far above any limit.
  for (let index = 1; index <= lengthBytes; index++) count = count * 256 + body[index]!;
  return count;
}

function checkCount(count: number): UploadBodyProblem | undefined {
  if (count === 0) {
    return {
      status: 400,
      code: 'UPLOAD_BATCH_EMPTY',
      detail: 'The batch holds no transaction.',
      errors: [
        { field: transactionsField, code: 'OUT_OF_RANGE', message: 'at least 1 transaction' },
      ],
    };
  }
  if (count > uploadBatchTransactionsMax) {
    const message = `at most ${uploadBatchTransactionsMax} transactions (uploadBatchTransactionsMax)`;
    return {
      status: 413,
      code: 'UPLOAD_BATCH_TOO_LARGE',
      detail: `The batch holds ${count} transactions: ${message}; split it.`,
      errors: [{ field: transactionsField, code: 'OUT_OF_RANGE', message }],
    };
  }
  return undefined;
}

function validationFailed(problems: readonly UploadFieldProblem[]): UploadBodyResult {
  if (problems.length === 0) throw new Error('validationFailed needs at least one field problem');
  const shown = problems.slice(0, uploadFieldProblemsMax);
  const more = problems.length - shown.length;
  return refused(
    400,
    'VALIDATION_FAILED',
    `The upload has invalid fields; see errors${more > 0 ? ` (${more} more not listed)` : ''}.`,
    shown,
  );
}

function refused(
  status: 400 | 413,
  code: UploadBodyProblemCode,
  detail: string,
  errors: readonly UploadFieldProblem[],
): UploadBodyResult {
  return { ok: false, problem: { status, code, detail, errors } };
}

/** A JSON member name as a problem may echo it: bounded, since the caller chose it. */
function fieldName(name: string): string {
  return name.length <= uploadFieldNameLengthMax
    ? name
    : `${name.slice(0, uploadFieldNameLengthMax)}…`;
}
