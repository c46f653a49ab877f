// OpenAPI schemas of POST /v1/uploads (served at /docs-json; checked into docs/ with the rest of the
// verifier's document). Written from the same constants the route enforces.
import {
  uploadBatchTransactionsMax,
  uploadBodySizeMaxBytes,
  uploadTransactionSizeMaxBytes,
} from './upload-limits';
import { uploadRefusalCodes } from './upload-receipts';
import { uploadBodyProblemCodes } from './upload-body';

const base64UrlLengthMax = Math.ceil((uploadTransactionSizeMaxBytes * 4) / 3);

/** The request body, per media type. */
export const uploadRequestBody = {
  required: true,
  description:
    `A batch of 1 to ${uploadBatchTransactionsMax} offline transactions exactly as the POS queue holds them; the body at most ${uploadBodySizeMaxBytes} bytes ` +
    `(uploadBodySizeMaxBytes), a transaction at most ${uploadTransactionSizeMaxBytes} bytes (a larger one is refused alone: TRANSACTION_TOO_LARGE).`,
  content: {
    'application/cbor': {
      schema: {
        type: 'string',
        format: 'binary',
        description:
          'A definite-length CBOR array of byte strings (strict deterministic CBOR), one per transaction.',
      },
    },
    'application/json': {
      schema: {
        type: 'object',
        additionalProperties: false,
        required: ['transactions'],
        properties: {
          transactions: {
            type: 'array',
            minItems: 1,
            maxItems: uploadBatchTransactionsMax,
            items: {
              type: 'string',
              pattern: '^[A-Za-z0-9_-]*$',
              description: `unpadded base64url of one transaction (at most ${base64UrlLengthMax} characters are accepted as a transaction)`,
            },
          },
        },
      },
    },
  },
};

const receiptSchema = {
  type: 'object',
  required: ['index', 'transactionId', 'status'],
  properties: {
    index: { type: 'integer', minimum: 0, description: 'position of the transaction in the batch' },
    transactionId: {
      type: 'string',
      nullable: true,
      pattern: '^txn_[A-Za-z0-9_-]{43}$',
      description: 'null when the bytes do not decode',
    },
    status: { type: 'string', enum: ['accepted', 'refused'] },
    duplicate: {
      type: 'boolean',
      enum: [true],
      description:
        'accepted: already received with the same signed content in an earlier batch (or earlier in this one)',
    },
    code: {
      type: 'string',
      enum: [...uploadRefusalCodes],
      description:
        'refused: why (the first failing check; docs/verifier.md gives the order of the checks, this list is append-only)',
    },
    field: {
      type: 'string',
      description:
        'refused: the part it is about, e.g. request/terminalId, authorization/signature',
    },
    message: { type: 'string' },
    retryable: {
      type: 'boolean',
      enum: [true],
      description:
        'refused: uploading the same bytes later may succeed (CONSUMER_KEY_UNKNOWN, TERMINAL_KEY_UNKNOWN)',
    },
  },
};

/** The 202 body. */
export const uploadAcceptedSchema = {
  type: 'object',
  required: ['batchId', 'receivedAt', 'receipts'],
  properties: {
    batchId: {
      type: 'string',
      pattern: '^upl_[A-Za-z0-9_-]{43}$',
      description: 'derived from the terminal and the bytes: the same batch again has the same id',
    },
    receivedAt: {
      type: 'string',
      format: 'date-time',
      description: 'when the batch was first received',
    },
    receipts: {
      type: 'array',
      items: receiptSchema,
      description: 'one per transaction, in the batch order',
    },
  },
};

/** RFC 9457 problem details as the platform answers them. */
export function problemSchema(codes: readonly string[]): Record<string, unknown> {
  return {
    type: 'object',
    required: ['type', 'title', 'status', 'detail', 'code'],
    properties: {
      type: { type: 'string' },
      title: { type: 'string' },
      status: { type: 'integer' },
      detail: { type: 'string' },
      code: { type: 'string', enum: [...codes] },
      errors: {
        type: 'array',
        items: {
          type: 'object',
          required: ['field', 'code', 'message'],
          properties: {
            field: { type: 'string' },
            code: { type: 'string' },
            message: { type: 'string' },
          },
        },
      },
      instance: { type: 'string' },
      requestId: { type: 'string' },
    },
  };
}

/** A problem+json response of these codes. */
export function problemResponse(
  description: string,
  codes: readonly string[],
): { description: string; content: Record<string, { schema: Record<string, unknown> }> } {
  return { description, content: { 'application/problem+json': { schema: problemSchema(codes) } } };
}

export const badRequestCodes: readonly string[] = [
  ...uploadBodyProblemCodes.filter((code) => code !== 'UPLOAD_BATCH_TOO_LARGE'),
  'MALFORMED_JSON',
];
export const payloadTooLargeCodes = ['PAYLOAD_TOO_LARGE', 'UPLOAD_BATCH_TOO_LARGE'];
