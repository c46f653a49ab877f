import { randomBytes } from 'node:crypto';
import {
  decodeOfflineTransaction,
  encodeOfflineTransaction,
  encodePaymentRequest,
  formatTransactionId,
  prepareMerchantApproval,
  signConsumerAuthorization,
  softwareSigner,
  unwrapProtocolResult,
} from '@settle/protocol';
import {
  base64UrlEncode,
  calculateJwkThumbprint,
  encodeCborDeterministic,
  equalBytes,
  generateKeyPair,
} from '@settle/crypto';
import {
  checkTimestamps,
  placeByKeys,
  type ProjectedKey,
  resolveAgainstStored,
  screenTransaction,
  type UploadCandidate,
  uploadBatchId,
  uploadContentDigest,
} from './upload.decider';
import { uploadRefusalCodes } from './upload-receipts';
import { uploadTransactionSizeMaxBytes } from './upload-limits';

const caller = { terminalId: 'ter_upload', merchantId: 'mer_upload' };
const nowMs = Date.parse('2026-03-01T12:00:00.000Z');
const skewMs = 5 * 60_000;

function signingKey() {
  const { privateJwk, publicJwk } = generateKeyPair('ES256');
  return { signer: softwareSigner(privateJwk, 'native'), keyId: calculateJwkThumbprint(publicJwk) };
}
const consumerKey = signingKey();
const terminalKey = signingKey();

interface Fields {
  readonly terminalId?: string;
  readonly merchantId?: string;
  readonly createdAtMs?: number;
  readonly authorizedAtMs?: number;
  readonly approvedAtMs?: number;
}

/** A dual-signed transaction; `approvedAtMs` alone varies the approval (same transaction id). */
function build(fields: Fields = {}, nonce = new Uint8Array(randomBytes(16))) {
  const approvedAtMs = fields.approvedAtMs ?? nowMs - 60_000;
  const createdAtMs = fields.createdAtMs ?? nowMs - 120_000;
  const requestBytes = encodePaymentRequest({
    merchantId: fields.merchantId ?? caller.merchantId,
    terminalId: fields.terminalId ?? caller.terminalId,
    amount: 1250n,
    currency: 'EUR',
    nonce,
    createdAtMs,
    expiresAtMs: createdAtMs + 600_000,
  });
  const authorizationBytes = signConsumerAuthorization(
    {
      requestBytes,
      deviceCounter: 7n,
      authorizedAtMs: fields.authorizedAtMs ?? createdAtMs + 1_000,
    },
    consumerKey.signer,
  );
  const prepared = prepareMerchantApproval({
    authorizationBytes,
    approvedAtMs,
    alg: 'ES256',
    keyId: terminalKey.signer.keyId,
  });
  const approvalBytes = prepared.complete(terminalKey.signer.sign(prepared.toBeSigned));
  return encodeOfflineTransaction({ requestBytes, authorizationBytes, approvalBytes });
}

function candidateOf(bytes: Uint8Array, index = 0): UploadCandidate {
  const screening = screenTransaction(bytes, index, caller);
  if (!screening.ok) throw new Error(`expected a candidate, got ${screening.receipt.code}`);
  return screening.candidate;
}

describe('screenTransaction', () => {
  it('makes a candidate of a valid transaction: its id, both key ids, the content digest', () => {
    const bytes = build();
    const candidate = candidateOf(bytes, 3);
    const decoded = unwrapProtocolResult(decodeOfflineTransaction(bytes));
    expect(candidate).toMatchObject({
      index: 3,
      transactionId: formatTransactionId(decoded.transactionId),
      consumerKeyId: consumerKey.keyId,
      terminalKeyId: terminalKey.keyId,
    });
    expect(candidate.bytes).toBe(bytes);
    expect(equalBytes(candidate.contentDigest, uploadContentDigest(decoded))).toBe(true);
  });

  it('refuses in the documented order: size, structure, terminal, merchant', () => {
    expect(
      screenTransaction(new Uint8Array(uploadTransactionSizeMaxBytes + 1), 0, caller),
    ).toMatchObject({ ok: false, receipt: { code: 'TRANSACTION_TOO_LARGE', transactionId: null } });
    const truncated = build().subarray(0, 200);
    expect(screenTransaction(truncated, 1, caller)).toMatchObject({
      ok: false,
      receipt: { index: 1, status: 'refused', code: 'TRANSACTION_MALFORMED', transactionId: null },
    });
    // Both wrong: the terminal is checked first.
    const elsewhere = build({ terminalId: 'ter_other', merchantId: 'mer_other' });
    expect(screenTransaction(elsewhere, 2, caller)).toMatchObject({
      ok: false,
      receipt: { code: 'TERMINAL_MISMATCH', field: 'request/terminalId' },
    });
    expect(screenTransaction(build({ merchantId: 'mer_other' }), 3, caller)).toMatchObject({
      ok: false,
      receipt: { code: 'MERCHANT_MISMATCH', field: 'request/merchantId' },
    });
  });

  it('names the part of a malformed transaction (the protocol failure field)', () => {
    const bytes = build();
    const decoded = unwrapProtocolResult(decodeOfflineTransaction(bytes));
    // The approval cut short: still a byte string in a valid map, but no COSE_Sign1 any more.
    const broken = encodeOfflineTransactionUnchecked(
      decoded.requestBytes,
      decoded.authorizationBytes,
      decoded.approvalBytes.subarray(0, 20),
    );
    const screening = screenTransaction(broken, 0, caller);
    expect(screening).toMatchObject({ ok: false, receipt: { code: 'TRANSACTION_MALFORMED' } });
    if (!screening.ok) expect(screening.receipt.field).toMatch(/^approval/);
  });

  it('accepts a flipped signature byte: signatures are verification’s business, and the id stays the same', () => {
    const bytes = build();
    const flipped = Uint8Array.from(bytes);
    flipped[flipped.length - 1]! ^= 0x01;
    const original = candidateOf(bytes);
    const tampered = candidateOf(flipped);
    expect(tampered.transactionId).toBe(original.transactionId);
    expect(equalBytes(tampered.contentDigest, original.contentDigest)).toBe(true);
  });
});

/** The three parts in the wire map without encodeOfflineTransaction's checks (a tampered upload). */
function encodeOfflineTransactionUnchecked(
  requestBytes: Uint8Array,
  authorizationBytes: Uint8Array,
  approvalBytes: Uint8Array,
): Uint8Array {
  return encodeCborDeterministic(
    new Map<number, unknown>([
      [0, 'settle/offline-transaction/v1'],
      [1, requestBytes],
      [2, authorizationBytes],
      [3, approvalBytes],
    ]),
  );
}

describe('checkTimestamps', () => {
  it.each([
    [
      'request/createdAtMs',
      {
        createdAtMs: nowMs + skewMs + 1,
        authorizedAtMs: nowMs - 1_000,
        approvedAtMs: nowMs - 1_000,
      },
    ],
    ['authorization/authorizedAtMs', { authorizedAtMs: nowMs + skewMs + 1 }],
    ['approval/approvedAtMs', { approvedAtMs: nowMs + skewMs + 1 }],
  ])('refuses %s later than the receipt plus the skew', (field, fields) => {
    expect(checkTimestamps(candidateOf(build(fields)), nowMs, skewMs)).toMatchObject({
      code: 'TIMESTAMP_IN_FUTURE',
      field,
    });
  });

  it('accepts times up to exactly the receipt plus the skew', () => {
    expect(
      checkTimestamps(
        candidateOf(
          build({
            createdAtMs: nowMs - 10_000,
            authorizedAtMs: nowMs + skewMs,
            approvedAtMs: nowMs + skewMs,
          }),
        ),
        nowMs,
        skewMs,
      ),
    ).toBeUndefined();
  });
});

describe('placeByKeys', () => {
  const candidate = candidateOf(build(), 4);
  const consumer: ProjectedKey = { ownerKind: 'device', ownerId: 'dev_payer', purpose: 'payment' };
  const terminal: ProjectedKey = {
    ownerKind: 'terminal',
    ownerId: caller.terminalId,
    purpose: 'payment',
  };

  it('places a candidate whose consumer key is a device payment key and whose approval key is this terminal’s payment key', () => {
    expect(placeByKeys(candidate, { consumer, terminal }, caller)).toEqual({
      ok: true,
      consumerDeviceId: 'dev_payer',
    });
  });

  it.each([
    [
      'the consumer key is not projected',
      undefined,
      terminal,
      'CONSUMER_KEY_UNKNOWN',
      'authorization/keyId',
      true,
    ],
    [
      'the consumer key is a terminal’s',
      { ...consumer, ownerKind: 'terminal' as const },
      terminal,
      'CONSUMER_KEY_UNKNOWN',
      'authorization/keyId',
      true,
    ],
    [
      'the consumer key is a binding key',
      { ...consumer, purpose: 'binding' as const },
      terminal,
      'CONSUMER_KEY_UNKNOWN',
      'authorization/keyId',
      true,
    ],
    [
      'both keys unknown: the consumer’s is checked first',
      undefined,
      undefined,
      'CONSUMER_KEY_UNKNOWN',
      'authorization/keyId',
      true,
    ],
    [
      'the approval key is not projected',
      consumer,
      undefined,
      'TERMINAL_KEY_UNKNOWN',
      'approval/keyId',
      true,
    ],
    [
      'the approval key is another terminal’s',
      consumer,
      { ...terminal, ownerId: 'ter_other' },
      'TERMINAL_MISMATCH',
      'approval/keyId',
      false,
    ],
    [
      'the approval key is a device’s',
      consumer,
      { ...terminal, ownerKind: 'device' as const },
      'TERMINAL_MISMATCH',
      'approval/keyId',
      false,
    ],
    [
      'the approval key is this terminal’s binding key',
      consumer,
      { ...terminal, purpose: 'binding' as const },
      'TERMINAL_MISMATCH',
      'approval/keyId',
      false,
    ],
  ] as const)('refuses when %s', (_case, consumerKey, terminalKey, code, field, retryable) => {
    const placement = placeByKeys(
      candidate,
      { consumer: consumerKey, terminal: terminalKey },
      caller,
    );
    expect(placement).toEqual({
      ok: false,
      receipt: {
        index: 4,
        transactionId: candidate.transactionId,
        status: 'refused',
        code,
        field,
        message: expect.any(String),
        ...(retryable ? { retryable: true } : {}),
      },
    });
  });

  it('keeps the refusal codes append-only: TERMINAL_KEY_UNKNOWN came last', () => {
    expect(uploadRefusalCodes).toEqual([
      'TRANSACTION_TOO_LARGE',
      'TRANSACTION_MALFORMED',
      'TERMINAL_MISMATCH',
      'MERCHANT_MISMATCH',
      'TIMESTAMP_IN_FUTURE',
      'CONSUMER_KEY_UNKNOWN',
      'DUPLICATE_WITH_DIFFERENT_CONTENT',
      'TERMINAL_KEY_UNKNOWN',
    ]);
  });
});

describe('resolveAgainstStored', () => {
  const nonce = new Uint8Array(randomBytes(16));
  const first = candidateOf(build({ approvedAtMs: nowMs - 60_000 }, nonce));
  const reapproved = candidateOf(build({ approvedAtMs: nowMs - 30_000 }, nonce));
  const stored = { contentDigest: first.contentDigest, uploadBatchId: 'upl_first' };

  it('tells a re-approval (same id, other approval) from the same content', () => {
    expect(reapproved.transactionId).toBe(first.transactionId);
    expect(equalBytes(reapproved.contentDigest, first.contentDigest)).toBe(false);
  });

  it('accepts what this upload inserted, without the duplicate flag', () => {
    expect(
      resolveAgainstStored(first, stored, {
        batchId: 'upl_first',
        inserted: true,
        firstInBatch: true,
      }),
    ).toEqual({ index: 0, transactionId: first.transactionId, status: 'accepted' });
  });

  it('answers a repeated batch as the first time, and another batch as a duplicate', () => {
    expect(
      resolveAgainstStored(first, stored, {
        batchId: 'upl_first',
        inserted: false,
        firstInBatch: true,
      }),
    ).not.toHaveProperty('duplicate');
    expect(
      resolveAgainstStored(first, stored, {
        batchId: 'upl_second',
        inserted: false,
        firstInBatch: true,
      }),
    ).toMatchObject({ status: 'accepted', duplicate: true });
    expect(
      resolveAgainstStored(first, stored, {
        batchId: 'upl_first',
        inserted: false,
        firstInBatch: false,
      }),
    ).toMatchObject({ status: 'accepted', duplicate: true });
  });

  it('refuses other content under a known id', () => {
    expect(
      resolveAgainstStored(reapproved, stored, {
        batchId: 'upl_second',
        inserted: false,
        firstInBatch: true,
      }),
    ).toMatchObject({
      status: 'refused',
      code: 'DUPLICATE_WITH_DIFFERENT_CONTENT',
      field: 'approval',
    });
  });
});

describe('uploadBatchId', () => {
  it('depends on the terminal, the bytes and their order, and cannot be confused by moving a boundary', () => {
    const a = new Uint8Array([1, 2]);
    const b = new Uint8Array([3]);
    const id = uploadBatchId('ter_1', [a, b]);
    expect(id).toMatch(/^upl_[A-Za-z0-9_-]{43}$/);
    expect(uploadBatchId('ter_1', [a, b])).toBe(id);
    expect(uploadBatchId('ter_2', [a, b])).not.toBe(id);
    expect(uploadBatchId('ter_1', [b, a])).not.toBe(id);
    expect(uploadBatchId('ter_1', [new Uint8Array([1]), new Uint8Array([2, 3])])).not.toBe(id);
    expect(base64UrlEncode(new Uint8Array(32)).length).toBe(43);
  });
});
