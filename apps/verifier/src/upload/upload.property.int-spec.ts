// POST /v1/uploads against hostile input, generated (fast-check) and sent over the real TLS route:
// random bytes, wrong CBOR types, nested arrays, huge counts, truncated and bit-flipped transactions,
// re-approved and repeated ones, approvals signed with an unknown key or another terminal's, JSON with unknown members, numbers instead of strings, bad base64url,
// other media types. Every answer must be what a model of the documented rules predicts — a 4xx
// problem+json with the expected code, or a 202 whose receipts match one by one — and afterwards the
// database must hold exactly the transactions the model accepted (with the bytes first accepted) and
// the topic exactly one payment.uploaded for each, keyed by its consumer device.
//
// The model is written from docs/verifier.md ("Upload") with the protocol library and the strict CBOR
// decoder as its only helpers, not from the route's code.
import { randomBytes } from 'node:crypto';
import {
  type EventEnvelope,
  type FraudSignalRaisedV1,
  type PaymentUploadedV1,
} from '@settle/contracts';
import {
  decodeOfflineTransaction,
  encodeOfflineTransaction,
  formatTransactionId,
  prepareMerchantApproval,
} from '@settle/protocol';
import {
  base64UrlDecode,
  base64UrlEncode,
  bytesToHex,
  decodeCborStrict,
  encodeCborDeterministic,
} from '@settle/crypto';
import { createTestBindingKey } from '@settle/resource-guard/testing';
import fc from 'fast-check';
import {
  type BuiltTransaction,
  createSigningKey,
  enrolDevice,
  offlineTransaction,
  onboardMerchant,
  registerTerminal,
  type TestDevice,
  type TestTerminal,
  terminalToken,
  uniqueId,
  untilProjected,
} from '../testing/payment-world';
import { startVerifier, type VerifierTestKit, waitFor } from '../testing/verifier-test-kit';

/** Generated uploads per run of this file: bounded, the route is exercised over real TLS each time. */
const propertyRunsMax = 150;
// The documented limits, restated: the model must not borrow the route's constants.
const bodySizeMaxBytes = 524_288;
const batchTransactionsMax = 500;
const transactionSizeMaxBytes = 512;
const clockSkewMs = 5 * 60_000;

type TransactionRecipe =
  | { readonly kind: 'valid'; readonly device: 0 | 1 }
  | {
      readonly kind:
        | 'otherTerminal'
        | 'otherMerchant'
        | 'unknownKey'
        | 'unknownApprovalKey'
        | 'othersApprovalKey'
        | 'oversize';
    }
  | { readonly kind: 'future'; readonly part: 'createdAtMs' | 'authorizedAtMs' | 'approvedAtMs' }
  | { readonly kind: 'repeat' | 'reapprove' | 'again'; readonly pick: number }
  | { readonly kind: 'truncate'; readonly keep: number }
  | { readonly kind: 'flip'; readonly bit: number }
  | { readonly kind: 'garbage'; readonly bytes: Uint8Array };

type BodyRecipe =
  | {
      readonly kind: 'batch';
      readonly format: 'cbor' | 'json';
      readonly transactions: readonly TransactionRecipe[];
    }
  | { readonly kind: 'repeatBatch'; readonly pick: number; readonly format: 'cbor' | 'json' }
  | { readonly kind: 'cborBytes'; readonly bytes: Uint8Array }
  | { readonly kind: 'cborValue'; readonly value: unknown }
  | { readonly kind: 'hugeCount'; readonly count: number }
  | { readonly kind: 'tooMany'; readonly format: 'cbor' | 'json' }
  | { readonly kind: 'oversizeBody'; readonly format: 'cbor' | 'json' }
  | { readonly kind: 'json'; readonly text: string }
  | { readonly kind: 'otherMediaType'; readonly contentType: string };

const transactionRecipe: fc.Arbitrary<TransactionRecipe> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('valid' as const),
      device: fc.constantFrom(0 as const, 1 as const),
    }),
    weight: 6,
  },
  {
    arbitrary: fc.record({
      kind: fc.constantFrom(
        'otherTerminal' as const,
        'otherMerchant' as const,
        'unknownKey' as const,
        'unknownApprovalKey' as const,
        'othersApprovalKey' as const,
        'oversize' as const,
      ),
    }),
    weight: 4,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('future' as const),
      part: fc.constantFrom(
        'createdAtMs' as const,
        'authorizedAtMs' as const,
        'approvedAtMs' as const,
      ),
    }),
    weight: 1,
  },
  // repeat: a valid one sent before (or earlier in this batch); again: any earlier one of this batch.
  {
    arbitrary: fc.record({
      kind: fc.constantFrom('repeat' as const, 'reapprove' as const, 'again' as const),
      pick: fc.nat(),
    }),
    weight: 4,
  },
  {
    arbitrary: fc.record({ kind: fc.constant('truncate' as const), keep: fc.nat({ max: 500 }) }),
    weight: 1,
  },
  {
    arbitrary: fc.record({ kind: fc.constant('flip' as const), bit: fc.nat({ max: 8 * 450 }) }),
    weight: 4,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('garbage' as const),
      bytes: fc.uint8Array({ maxLength: 80 }),
    }),
    weight: 1,
  },
);

const cborItem = fc.oneof(
  fc.integer(),
  fc.string({ maxLength: 8 }),
  fc.uint8Array({ maxLength: 8 }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
);

const jsonText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
  fc
    .record({
      transactions: fc.array(
        fc.oneof(
          fc.base64String({ maxLength: 16 }),
          fc.string({ maxLength: 8 }),
          fc.integer(),
          fc.constant(null),
          fc.uint8Array({ maxLength: 12 }).map((bytes) => base64UrlEncode(bytes)),
        ),
        { maxLength: 4 },
      ),
      extra: fc.dictionary(
        fc.string({ minLength: 1, maxLength: 12 }),
        fc.jsonValue({ maxDepth: 1 }),
        { maxKeys: 2 },
      ),
    })
    .map(({ transactions, extra }) => JSON.stringify({ ...extra, transactions })),
);

const bodyRecipe: fc.Arbitrary<BodyRecipe> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('batch' as const),
      format: fc.constantFrom('cbor' as const, 'json' as const),
      transactions: fc.array(transactionRecipe, { minLength: 1, maxLength: 6 }),
    }),
    weight: 12,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('repeatBatch' as const),
      pick: fc.nat(),
      format: fc.constantFrom('cbor' as const, 'json' as const),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('cborBytes' as const),
      bytes: fc.uint8Array({ maxLength: 48 }),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('cborValue' as const),
      value: fc.oneof(
        cborItem,
        fc.array(cborItem, { maxLength: 5 }),
        fc.array(fc.array(fc.uint8Array({ maxLength: 4 }), { maxLength: 2 }), { maxLength: 3 }),
      ),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('hugeCount' as const),
      count: fc.integer({ min: batchTransactionsMax + 1, max: 0xffffffff }),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('tooMany' as const),
      format: fc.constantFrom('cbor' as const, 'json' as const),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('oversizeBody' as const),
      format: fc.constantFrom('cbor' as const, 'json' as const),
    }),
    weight: 1,
  },
  { arbitrary: fc.record({ kind: fc.constant('json' as const), text: jsonText }), weight: 3 },
  {
    arbitrary: fc.record({
      kind: fc.constant('otherMediaType' as const),
      contentType: fc.constantFrom(
        'text/plain',
        'application/octet-stream',
        'application/cbor-seq',
        'application/problem+json',
        'multipart/form-data',
      ),
    }),
    weight: 1,
  },
);

/** What the model expects of a whole request. */
type Expected =
  | { readonly kind: 'problem'; readonly status: number; readonly code: string }
  | { readonly kind: 'batch'; readonly transactions: readonly Uint8Array[] };

/** A CBOR body, by the documented rules (docs/verifier.md, "Upload"). */
function expectedOfCbor(body: Uint8Array): Expected {
  if (body.length > bodySizeMaxBytes)
    return { kind: 'problem', status: 413, code: 'PAYLOAD_TOO_LARGE' };
  const initial = body[0];
  if (initial !== undefined && initial >> 5 === 4 && (initial & 0x1f) !== 31) {
    const info = initial & 0x1f;
    const width = info < 24 ? 0 : ({ 24: 1, 25: 2, 26: 4, 27: 8 } as Record<number, number>)[info];
    if (width !== undefined && body.length > width) {
      const count =
        info < 24
          ? info
          : [...body.subarray(1, 1 + width)].reduce((total, byte) => total * 256 + byte, 0);
      if (count > batchTransactionsMax)
        return { kind: 'problem', status: 413, code: 'UPLOAD_BATCH_TOO_LARGE' };
    }
  }
  let value: unknown;
  try {
    value = decodeCborStrict(body);
  } catch {
    return { kind: 'problem', status: 400, code: 'MALFORMED_CBOR' };
  }
  return expectedOfItems(value, (item) => (item instanceof Uint8Array ? item : undefined));
}

/** A JSON body as the platform's parser and the route read it. */
function expectedOfJson(text: string): Expected {
  if (Buffer.byteLength(text) > bodySizeMaxBytes)
    return { kind: 'problem', status: 413, code: 'PAYLOAD_TOO_LARGE' };
  // body-parser reads an empty body as {}; in strict mode it takes only an object or an array at
  // the top, after JSON whitespace.
  if (text.length === 0) return { kind: 'problem', status: 400, code: 'VALIDATION_FAILED' };
  const first = /^[\x20\x09\x0a\x0d]*(.)/s.exec(text)?.[1];
  let value: unknown;
  try {
    if (first !== '{' && first !== '[') throw new Error('not strict JSON');
    value = JSON.parse(text);
  } catch {
    return { kind: 'problem', status: 400, code: 'MALFORMED_JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { kind: 'problem', status: 400, code: 'VALIDATION_FAILED' };
  const keys = Object.keys(value);
  if (
    keys.some((key) => key !== 'transactions') ||
    !Array.isArray((value as { transactions?: unknown }).transactions)
  )
    return { kind: 'problem', status: 400, code: 'VALIDATION_FAILED' };
  return expectedOfItems((value as { transactions: unknown[] }).transactions, (item) =>
    typeof item === 'string' ? base64UrlDecode(item) : undefined,
  );
}

function expectedOfItems(
  value: unknown,
  bytesOf: (item: unknown) => Uint8Array | undefined,
): Expected {
  if (!Array.isArray(value)) return { kind: 'problem', status: 400, code: 'VALIDATION_FAILED' };
  if (value.length === 0) return { kind: 'problem', status: 400, code: 'UPLOAD_BATCH_EMPTY' };
  if (value.length > batchTransactionsMax)
    return { kind: 'problem', status: 413, code: 'UPLOAD_BATCH_TOO_LARGE' };
  const transactions = value.map(bytesOf);
  if (transactions.some((bytes) => bytes === undefined))
    return { kind: 'problem', status: 400, code: 'VALIDATION_FAILED' };
  return { kind: 'batch', transactions: transactions as Uint8Array[] };
}

/** What the model remembers: accepted transactions, conflicting contents, batches answered 202. */
interface ModelState {
  readonly stored: Map<
    string,
    {
      readonly content: string;
      readonly batchId: string;
      readonly bytes: Uint8Array;
      readonly deviceId: string;
    }
  >;
  readonly conflicts: Set<string>;
  readonly batches: Set<string>;
}

/** A key as the model knows the projection holds it. */
interface KnownKey {
  readonly ownerKind: 'device' | 'terminal';
  readonly ownerId: string;
  readonly purpose: 'payment' | 'binding';
}

interface World {
  readonly terminal: TestTerminal;
  readonly otherTerminal: TestTerminal;
  readonly devices: readonly [TestDevice, TestDevice];
  /** Every key the projection holds (payment and binding keys of the devices and terminals), by key id. */
  readonly keys: ReadonlyMap<string, KnownKey>;
}

/** The receipts a 202 must carry, by the documented checks in their order; updates the model. */
function expectedReceipts(
  transactions: readonly Uint8Array[],
  batchId: string,
  receivedAtMs: number,
  world: World,
  model: ModelState,
): unknown[] {
  const placedInBatch = new Set<string>();
  return transactions.map((bytes, index) => {
    const refused = (transactionId: string | null, code: string, field?: string) => ({
      index,
      transactionId,
      status: 'refused',
      code,
      field: field ?? expect.any(String),
      message: expect.any(String),
      ...(code === 'CONSUMER_KEY_UNKNOWN' || code === 'TERMINAL_KEY_UNKNOWN'
        ? { retryable: true }
        : {}),
    });
    if (bytes.length > transactionSizeMaxBytes) return refused(null, 'TRANSACTION_TOO_LARGE');
    const decoded = decodeOfflineTransaction(bytes);
    if (!decoded.ok) return refused(null, 'TRANSACTION_MALFORMED', decoded.field);
    const { request, authorization, approval } = decoded.value;
    const transactionId = formatTransactionId(decoded.value.transactionId);
    if (request.terminalId !== world.terminal.terminalId)
      return refused(transactionId, 'TERMINAL_MISMATCH', 'request/terminalId');
    if (request.merchantId !== world.terminal.merchantId)
      return refused(transactionId, 'MERCHANT_MISMATCH', 'request/merchantId');
    const future = (
      [
        ['request/createdAtMs', request.createdAtMs],
        ['authorization/authorizedAtMs', authorization.authorizedAtMs],
        ['approval/approvedAtMs', approval.approvedAtMs],
      ] as const
    ).find(([, timeMs]) => timeMs > receivedAtMs + clockSkewMs);
    if (future) return refused(transactionId, 'TIMESTAMP_IN_FUTURE', future[0]);
    const consumerKey = world.keys.get(base64UrlEncode(authorization.keyId));
    if (consumerKey?.ownerKind !== 'device' || consumerKey.purpose !== 'payment')
      return refused(transactionId, 'CONSUMER_KEY_UNKNOWN', 'authorization/keyId');
    const deviceId = consumerKey.ownerId;
    const approvalKey = world.keys.get(base64UrlEncode(approval.keyId));
    if (approvalKey === undefined)
      return refused(transactionId, 'TERMINAL_KEY_UNKNOWN', 'approval/keyId');
    const ownPaymentKey =
      approvalKey.ownerKind === 'terminal' &&
      approvalKey.ownerId === world.terminal.terminalId &&
      approvalKey.purpose === 'payment';
    if (!ownPaymentKey) return refused(transactionId, 'TERMINAL_MISMATCH', 'approval/keyId');
    const content = [
      decoded.value.requestBytes,
      authorization.protectedHeaderBytes,
      approval.protectedHeaderBytes,
    ]
      .map(bytesToHex)
      .join('.');
    const stored = model.stored.get(transactionId);
    const firstInBatch = !placedInBatch.has(transactionId);
    placedInBatch.add(transactionId);
    if (stored === undefined) {
      model.stored.set(transactionId, { content, batchId, bytes, deviceId });
      return { index, transactionId, status: 'accepted' };
    }
    if (stored.content !== content) {
      model.conflicts.add(`${transactionId}.${content}`);
      return refused(transactionId, 'DUPLICATE_WITH_DIFFERENT_CONTENT', 'approval');
    }
    const duplicate = !firstInBatch || stored.batchId !== batchId;
    return { index, transactionId, status: 'accepted', ...(duplicate ? { duplicate: true } : {}) };
  });
}

describe('POST /v1/uploads under hostile input (property)', () => {
  let kit: VerifierTestKit;
  let world: World;
  const model: ModelState = { stored: new Map(), conflicts: new Set(), batches: new Set() };
  /** Valid transactions built so far (for repeats and re-approvals), and 202 batches (for repeats). */
  const built: BuiltTransaction[] = [];
  const sentBatches: Uint8Array[][] = [];
  /** The transactions of the batch being built. */
  let currentBatch: Uint8Array[] = [];

  beforeAll(async () => {
    kit = await startVerifier({
      SETTLE_VERIFIER_UPLOAD_RATE_PER_SECOND: '10000',
      SETTLE_VERIFIER_UPLOAD_BURST: '100000',
    });
    const merchant = await onboardMerchant(kit);
    const otherMerchant = await onboardMerchant(kit);
    const terminal = await registerTerminal(kit, merchant.merchantId);
    const otherTerminal = await registerTerminal(kit, otherMerchant.merchantId);
    const devices = [await enrolDevice(kit), await enrolDevice(kit)] as const;
    await untilProjected(kit, [terminal, otherTerminal, ...devices]);
    const keys = new Map<string, KnownKey>();
    for (const { deviceId, paymentKey, bindingKey } of devices) {
      keys.set(paymentKey.keyId, { ownerKind: 'device', ownerId: deviceId, purpose: 'payment' });
      keys.set(bindingKey.keyId, { ownerKind: 'device', ownerId: deviceId, purpose: 'binding' });
    }
    for (const { terminalId, approvalKey, bindingKey } of [terminal, otherTerminal]) {
      keys.set(approvalKey.keyId, {
        ownerKind: 'terminal',
        ownerId: terminalId,
        purpose: 'payment',
      });
      keys.set(bindingKey.keyId, {
        ownerKind: 'terminal',
        ownerId: terminalId,
        purpose: 'binding',
      });
    }
    world = { terminal, otherTerminal, devices, keys };
  });

  afterAll(async () => {
    await kit?.stop();
  });

  function materialize(recipe: TransactionRecipe): Uint8Array {
    const { terminal, otherTerminal, devices } = world;
    const now = Date.now();
    switch (recipe.kind) {
      case 'valid': {
        const transaction = offlineTransaction(terminal, devices[recipe.device]);
        built.push(transaction);
        return transaction.bytes;
      }
      case 'otherTerminal':
        return offlineTransaction(otherTerminal, devices[0]).bytes;
      case 'otherMerchant':
        return offlineTransaction(terminal, devices[0], { merchantId: otherTerminal.merchantId })
          .bytes;
      case 'unknownKey': {
        const stranger: TestDevice = {
          deviceId: uniqueId('dev'),
          accountId: uniqueId('acc'),
          paymentKey: createSigningKey(),
          bindingKey: createTestBindingKey(),
          nextCounter: 1n,
        };
        return offlineTransaction(terminal, stranger).bytes;
      }
      case 'unknownApprovalKey':
        return offlineTransaction(terminal, devices[0], { approvalKey: createSigningKey() }).bytes;
      case 'othersApprovalKey':
        return offlineTransaction(terminal, devices[1], { approvalKey: otherTerminal.approvalKey })
          .bytes;
      case 'oversize':
        return new Uint8Array(randomBytes(transactionSizeMaxBytes + 1 + (now % 200)));
      case 'future': {
        const times = {
          createdAtMs: now - 120_000,
          authorizedAtMs: now - 90_000,
          approvedAtMs: now - 60_000,
          [recipe.part]: now + 2 * 3_600_000,
        };
        return offlineTransaction(terminal, devices[1], {
          ...times,
          expiresAtMs: times.createdAtMs + 600_000,
        }).bytes;
      }
      case 'repeat':
        return built.length === 0
          ? materialize({ kind: 'valid', device: 0 })
          : built[recipe.pick % built.length]!.bytes;
      case 'reapprove': {
        if (built.length === 0) return materialize({ kind: 'valid', device: 1 });
        const original = built[recipe.pick % built.length]!;
        const signer = terminal.approvalKey.signer;
        const prepared = prepareMerchantApproval({
          authorizationBytes: original.authorizationBytes,
          approvedAtMs: now - 1_000 - (recipe.pick % 50_000),
          alg: signer.alg,
          keyId: signer.keyId,
        });
        const approvalBytes = prepared.complete(signer.sign(prepared.toBeSigned));
        return encodeOfflineTransaction({
          requestBytes: original.requestBytes,
          authorizationBytes: original.authorizationBytes,
          approvalBytes,
        });
      }
      case 'truncate': {
        const bytes = offlineTransaction(terminal, devices[0]).bytes;
        return bytes.subarray(0, recipe.keep % bytes.length);
      }
      case 'flip': {
        const bytes = Uint8Array.from(
          offlineTransaction(terminal, devices[recipe.bit % 2 === 0 ? 0 : 1]).bytes,
        );
        const bit = recipe.bit % (bytes.length * 8);
        bytes[bit >> 3]! ^= 1 << (bit & 7);
        return bytes;
      }
      case 'garbage':
        return recipe.bytes;
      case 'again':
        return currentBatch.length === 0
          ? materialize({ kind: 'valid', device: 0 })
          : currentBatch[recipe.pick % currentBatch.length]!;
    }
  }

  function materializeBatch(recipes: readonly TransactionRecipe[]): Uint8Array[] {
    currentBatch = [];
    for (const recipe of recipes) currentBatch.push(materialize(recipe));
    return currentBatch;
  }

  /** The request a body recipe makes, and what the model expects of it. */
  function requestOf(recipe: BodyRecipe): {
    body: Uint8Array | string;
    contentType: string;
    expected: Expected;
  } {
    const encode = (format: 'cbor' | 'json', transactions: readonly Uint8Array[]) =>
      format === 'cbor'
        ? {
            body: encodeCborDeterministic([...transactions]),
            contentType: 'application/cbor',
            expected: { kind: 'batch', transactions } as Expected,
          }
        : {
            body: JSON.stringify({
              transactions: transactions.map((bytes) => base64UrlEncode(bytes)),
            }),
            contentType: 'application/json',
            expected: { kind: 'batch', transactions } as Expected,
          };
    const cbor = (body: Uint8Array) => ({
      body,
      contentType: 'application/cbor',
      expected: expectedOfCbor(body),
    });
    switch (recipe.kind) {
      case 'batch':
        return encode(recipe.format, materializeBatch(recipe.transactions));
      case 'repeatBatch':
        return sentBatches.length === 0
          ? encode(recipe.format, [materialize({ kind: 'valid', device: 0 })])
          : encode(recipe.format, sentBatches[recipe.pick % sentBatches.length]!);
      case 'cborBytes':
        return cbor(recipe.bytes);
      case 'cborValue':
        return cbor(encodeCborDeterministic(recipe.value));
      case 'hugeCount':
        return cbor(
          Uint8Array.of(
            0x9a,
            recipe.count >>> 24,
            (recipe.count >>> 16) & 0xff,
            (recipe.count >>> 8) & 0xff,
            recipe.count & 0xff,
            0x40,
          ),
        );
      case 'tooMany': {
        const many = Array.from({ length: batchTransactionsMax + 1 }, () => new Uint8Array([0xa0]));
        return recipe.format === 'cbor'
          ? cbor(encodeCborDeterministic(many))
          : {
              body: JSON.stringify({ transactions: many.map((bytes) => base64UrlEncode(bytes)) }),
              contentType: 'application/json',
              expected: { kind: 'problem', status: 413, code: 'UPLOAD_BATCH_TOO_LARGE' },
            };
      }
      case 'oversizeBody': {
        const huge = new Uint8Array(bodySizeMaxBytes);
        return recipe.format === 'cbor'
          ? cbor(encodeCborDeterministic([huge]))
          : {
              body: JSON.stringify({ transactions: [base64UrlEncode(huge)] }),
              contentType: 'application/json',
              expected: { kind: 'problem', status: 413, code: 'PAYLOAD_TOO_LARGE' },
            };
      }
      case 'json':
        return {
          body: recipe.text,
          contentType: 'application/json',
          expected: expectedOfJson(recipe.text),
        };
      case 'otherMediaType':
        return {
          body: '{"transactions":["oA"]}',
          contentType: recipe.contentType,
          expected: { kind: 'problem', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
        };
    }
  }

  it('answers every generated upload as the model predicts', async () => {
    const outcomes = new Set<string>();
    await fc.assert(
      fc.asyncProperty(bodyRecipe, async (recipe) => {
        const { body, contentType, expected } = requestOf(recipe);
        const response = await kit.bound({
          method: 'POST',
          path: '/v1/uploads',
          accessToken: await terminalToken(kit, world.terminal),
          binding: world.terminal.bindingKey,
          headers: { 'content-type': contentType },
          body,
        });
        const answer = JSON.parse(response.body) as Record<string, unknown>;
        outcomes.add(String(answer.code ?? response.status));
        for (const receipt of (answer.receipts ?? []) as Array<{ code?: string; duplicate?: true }>)
          outcomes.add(`receipt:${receipt.code ?? (receipt.duplicate ? 'duplicate' : 'accepted')}`);
        if (expected.kind === 'problem') {
          expect({ status: response.status, code: answer.code }).toEqual({
            status: expected.status,
            code: expected.code,
          });
          expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
          expect(answer).toMatchObject({
            status: expected.status,
            type: expect.any(String),
            title: expect.any(String),
            detail: expect.any(String),
          });
          return;
        }
        expect(response.status).toBe(202);
        const batchId = answer.batchId as string;
        const receipts = expectedReceipts(
          expected.transactions,
          batchId,
          Date.parse(answer.receivedAt as string),
          world,
          model,
        );
        expect(answer.receipts).toEqual(receipts);
        model.batches.add(batchId);
        sentBatches.push([...expected.transactions]);
      }),
      { numRuns: propertyRunsMax },
    );

    // The generators reached the main branches (each far more frequent than once in these runs).
    expect([...outcomes]).toEqual(
      expect.arrayContaining([
        '202',
        'receipt:accepted',
        'receipt:duplicate',
        'receipt:TRANSACTION_MALFORMED',
        'receipt:TERMINAL_KEY_UNKNOWN',
        'VALIDATION_FAILED',
        'MALFORMED_CBOR',
      ]),
    );

    // The database holds exactly what the receipts accepted (bytes as first accepted), the batches
    // answered 202, and the conflicting contents; the topic exactly one payment.uploaded per
    // accepted transaction, keyed by its consumer device, and one fraud signal per conflict.
    const rows = await kit.query<{
      transaction_id: string;
      transaction_bytes: Buffer;
      consumer_device_id: string;
    }>('SELECT transaction_id, transaction_bytes, consumer_device_id FROM verifier_transactions');
    expect(rows.map((row) => row.transaction_id).sort()).toEqual([...model.stored.keys()].sort());
    for (const row of rows) {
      const stored = model.stored.get(row.transaction_id)!;
      expect({
        id: row.transaction_id,
        bytes: row.transaction_bytes.toString('hex'),
        device: row.consumer_device_id,
      }).toEqual({
        id: row.transaction_id,
        bytes: bytesToHex(stored.bytes),
        device: stored.deviceId,
      });
    }
    const batches = await kit.query<{ batch_id: string }>(
      'SELECT batch_id FROM verifier_upload_batches',
    );
    expect(batches.map((row) => row.batch_id).sort()).toEqual([...model.batches].sort());
    const conflicts = await kit.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM verifier_conflicting_uploads',
    );
    expect(conflicts[0]!.n).toBe(model.conflicts.size);

    await waitFor(
      async () =>
        (await kit.query<{ n: number }>('SELECT count(*)::int AS n FROM messaging_outbox'))[0]!
          .n === 0,
      60_000,
      'outbox drained',
    );
    await waitFor(
      () =>
        kit.published.filter((event) => event.type === 'payment.uploaded').length >=
        model.stored.size,
      60_000,
      'every payment.uploaded read back',
    );
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const uploaded = (
      kit.published as EventEnvelope<'payment.uploaded', PaymentUploadedV1>[]
    ).filter((event) => event.type === 'payment.uploaded');
    expect(uploaded.map((event) => event.payload.transactionId).sort()).toEqual(
      [...model.stored.keys()].sort(),
    );
    for (const event of uploaded)
      expect(event.key).toBe(model.stored.get(event.payload.transactionId)!.deviceId);
    const signals = (
      kit.published as EventEnvelope<'fraud.signal-raised', FraudSignalRaisedV1>[]
    ).filter(
      (event) =>
        event.type === 'fraud.signal-raised' &&
        event.payload.kind === 'DUPLICATE_WITH_DIFFERENT_CONTENT',
    );
    expect(signals).toHaveLength(model.conflicts.size);
  });
});
