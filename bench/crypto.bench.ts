// Signature verification rates (per core: one thread) for ES256 and Ed25519 on both back ends,
// the services' verification path against raw node:crypto in the same run, and seconds on air of
// each message over the sound link. Run with `npm run bench -- crypto` (or directly:
// `node -r @swc-node/register bench/crypto.bench.ts`); results go to bench/results/crypto.{json,md}.
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import os from 'node:os';
import {
  type ProtocolPublicKey,
  calculateTransactionId,
  decodeConsumerAuthorization,
  decodeOfflineTransaction,
  decodePaymentRequest,
  protocolLabels,
  unwrapProtocolResult,
  verifyConsumerAuthorization,
  verifyOfflineTransaction,
} from '@settle/protocol';
import { readProtocolFixture, testPublicKey } from '@settle/protocol/testing';
import {
  type SignatureAlgorithm,
  type SignatureBackend,
  decodeCborStrict,
  verifySignature,
} from '@settle/crypto';
import { verifyCoseSign1 } from '@settle/crypto/testing/cose-sign1-reference';
import { encodeSign1SigStructure } from '@settle/protocol/cose-sig-structure';
import { encodeTransmission, loadGgwaveModem, soundMessageFramesMax } from '@settle/sound-link';
import { headlineFigures } from './report/headline';
import { writeResults } from './results';

const roundMs = 400;
const rounds = 7;

/** Operations per second of `operation`, over `durationMs` after a short warm-up. */
function rate(operation: () => unknown, durationMs: number): number {
  let count = 0;
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(durationMs) * 1_000_000n;
  let now = started;
  while (now < deadline) {
    for (let index = 0; index < 16; index++) operation();
    count += 16;
    now = process.hrtime.bigint();
  }
  return count / (Number(now - started) / 1e9);
}

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Median rates of several operations measured in interleaved rounds (so drift hits them alike). */
function compare(
  operations: Record<string, () => unknown>,
  options: { roundMs: number; rounds: number },
): Record<string, number> {
  for (const operation of Object.values(operations)) rate(operation, 150);
  const samples: Record<string, number[]> = Object.fromEntries(
    Object.keys(operations).map((name) => [name, []]),
  );
  for (let round = 0; round < options.rounds; round++) {
    for (const [name, operation] of Object.entries(operations))
      samples[name]!.push(rate(operation, options.roundMs));
  }
  return Object.fromEntries(
    Object.entries(samples).map(([name, values]) => [name, median(values)]),
  );
}

function assertTrue(value: unknown, what: string): void {
  if (value !== true) throw new Error(`bench: ${what} did not verify`);
}

interface Case {
  readonly alg: SignatureAlgorithm;
  readonly key: ProtocolPublicKey;
  readonly authorization: Uint8Array;
  readonly request: Uint8Array;
}

const request = readProtocolFixture('payment-request');
const cases: Case[] = [
  {
    alg: 'ES256',
    key: testPublicKey('deviceEs256'),
    authorization: readProtocolFixture('consumer-authorization'),
    request,
  },
  {
    alg: 'EdDSA',
    key: testPublicKey('deviceEd25519'),
    authorization: readProtocolFixture('consumer-authorization.ed25519'),
    request,
  },
];

function measureAlgorithm(testCase: Case) {
  const { alg, key, authorization } = testCase;
  const externalAad = new TextEncoder().encode(protocolLabels.consumerAuthorization);
  const decoded = unwrapProtocolResult(decodeConsumerAuthorization(authorization));
  // The exact bytes every path verifies: the authorization's Sig_structure.
  const toBeSigned = encodeSign1SigStructure(decoded.protectedHeaderBytes, externalAad, request);
  const keyObject = createPublicKey({ key: { ...key.publicJwk }, format: 'jwk' });
  const raw =
    alg === 'ES256'
      ? () =>
          nodeVerify(
            'sha256',
            toBeSigned,
            { key: keyObject, dsaEncoding: 'ieee-p1363' },
            decoded.signature,
          )
      : () => nodeVerify(null, toBeSigned, keyObject, decoded.signature);
  const viaSignature = (backend: SignatureBackend) => () =>
    verifySignature({
      alg,
      jwk: key.publicJwk,
      data: toBeSigned,
      signature: decoded.signature,
      backend,
    });
  const viaProtocol = (backend: SignatureBackend) => () =>
    verifyConsumerAuthorization(authorization, {
      requestBytes: request,
      deviceKey: key,
      algorithms: [alg],
      backend,
    }).ok;
  const viaCose = () =>
    verifyCoseSign1(authorization, {
      publicJwk: key.publicJwk,
      algorithms: [alg],
      detachedPayload: request,
      externalAad,
      backend: 'native',
    });
  assertTrue(raw(), `${alg} raw`);
  assertTrue(viaSignature('native')(), `${alg} verifySignature`);
  assertTrue(viaProtocol('native')(), `${alg} verifyConsumerAuthorization`);

  const native = compare(
    {
      raw,
      verifySignature: viaSignature('native'),
      verifyConsumerAuthorization: viaProtocol('native'),
      verifyCoseSign1: viaCose,
    },
    { roundMs, rounds },
  );
  const noble = compare(
    { verifySignature: viaSignature('noble'), verifyConsumerAuthorization: viaProtocol('noble') },
    { roundMs: 800, rounds: 3 },
  );
  return { alg, toBeSignedBytes: toBeSigned.length, native, noble };
}

function measureTransaction() {
  const bytes = readProtocolFixture('offline-transaction');
  const deviceKey = testPublicKey('deviceEs256');
  const terminalKey = testPublicKey('terminal');
  const options = {
    deviceKey,
    deviceAlgorithms: ['ES256'] as const,
    terminalKey,
    terminalAlgorithms: ['ES256'] as const,
    backend: 'native' as const,
  };
  const transaction = unwrapProtocolResult(decodeOfflineTransaction(bytes));
  const rawKeys = [
    createPublicKey({ key: { ...deviceKey.publicJwk }, format: 'jwk' }),
    createPublicKey({ key: { ...terminalKey.publicJwk }, format: 'jwk' }),
  ];
  const authorizationParts = unwrapProtocolResult(
    decodeConsumerAuthorization(transaction.authorizationBytes),
  );
  const consumerToBeSigned = encodeSign1SigStructure(
    authorizationParts.protectedHeaderBytes,
    new TextEncoder().encode(protocolLabels.consumerAuthorization),
    transaction.requestBytes,
  );
  const approvalToBeSigned = encodeSign1SigStructure(
    transaction.approval.protectedHeaderBytes,
    new TextEncoder().encode(protocolLabels.merchantApproval),
    transaction.authorizationBytes,
  );
  const rawPair = () =>
    nodeVerify(
      'sha256',
      consumerToBeSigned,
      { key: rawKeys[0]!, dsaEncoding: 'ieee-p1363' },
      authorizationParts.signature,
    ) &&
    nodeVerify(
      'sha256',
      approvalToBeSigned,
      { key: rawKeys[1]!, dsaEncoding: 'ieee-p1363' },
      transaction.approval.signature,
    );
  const decodeAndVerify = () => {
    const decoded = decodeOfflineTransaction(bytes);
    return decoded.ok && verifyOfflineTransaction(decoded.value, options).ok;
  };
  const verifyDecoded = () => verifyOfflineTransaction(transaction, options).ok;
  assertTrue(rawPair(), 'raw pair');
  assertTrue(decodeAndVerify(), 'offline transaction');
  assertTrue(verifyDecoded(), 'decoded offline transaction');
  return compare(
    {
      rawPair,
      verifyOfflineTransaction: verifyDecoded,
      decodeAndVerifyOfflineTransaction: decodeAndVerify,
      decodeOfflineTransaction: () => decodeOfflineTransaction(bytes),
    },
    { roundMs, rounds },
  );
}

/** Where the time of the upload path goes: each step alone, in microseconds per call. */
function measureBreakdown() {
  const bytes = readProtocolFixture('offline-transaction');
  const transaction = unwrapProtocolResult(decodeOfflineTransaction(bytes));
  const key = testPublicKey('deviceEs256');
  const aad = new TextEncoder().encode(protocolLabels.consumerAuthorization);
  const toBeSigned = encodeSign1SigStructure(
    transaction.authorization.protectedHeaderBytes,
    aad,
    transaction.requestBytes,
  );
  const keyObject = createPublicKey({ key: { ...key.publicJwk }, format: 'jwk' });
  const rates = compare(
    {
      'raw ES256 verification (node:crypto)': () =>
        nodeVerify(
          'sha256',
          toBeSigned,
          { key: keyObject, dsaEncoding: 'ieee-p1363' },
          transaction.authorization.signature,
        ),
      'verifySignature (native, cached key)': () =>
        verifySignature({
          alg: 'ES256',
          jwk: key.publicJwk,
          data: toBeSigned,
          signature: transaction.authorization.signature,
          backend: 'native',
        }),
      'Sig_structure (encodeSign1SigStructure)': () =>
        encodeSign1SigStructure(
          transaction.authorization.protectedHeaderBytes,
          aad,
          transaction.requestBytes,
        ),
      'decodeConsumerAuthorization (strict, fast path)': () =>
        decodeConsumerAuthorization(transaction.authorizationBytes),
      'decodePaymentRequest (strict, fast path)': () =>
        decodePaymentRequest(transaction.requestBytes),
      'calculateTransactionId (SHA-256, @noble/hashes)': () =>
        calculateTransactionId(
          transaction.requestBytes,
          transaction.authorization.protectedHeaderBytes,
        ),
      'decodeOfflineTransaction (all of the above but verification)': () =>
        decodeOfflineTransaction(bytes),
      'decodeCborStrict of the request (cbor2, for comparison)': () =>
        decodeCborStrict(transaction.requestBytes),
    },
    { roundMs: 200, rounds: 5 },
  );
  return Object.entries(rates).map(([step, perSecond]) => ({
    step,
    microseconds: Number((1e6 / perSecond).toFixed(2)),
  }));
}

async function measureAirTime() {
  const modem = await loadGgwaveModem();
  const fixture = (name: string) => readProtocolFixture(name);
  const messages: Array<[string, Array<[string, number]>]> = [
    ['payment request', [['payment-request', 1]]],
    ['payment request (largest)', [['payment-request.largest', 1]]],
    ['consumer authorization', [['consumer-authorization', 1]]],
    ['consumer authorization (largest)', [['consumer-authorization.largest', 1]]],
    ['terminal credential', [['terminal-credential', soundMessageFramesMax]]],
    ['device credential', [['device-credential', soundMessageFramesMax]]],
    [
      'POS → phone: terminal credential + request',
      [
        ['terminal-credential', soundMessageFramesMax],
        ['payment-request', 1],
      ],
    ],
    [
      'phone → POS: authorization + device credential',
      [
        ['consumer-authorization', 1],
        ['device-credential', soundMessageFramesMax],
      ],
    ],
  ];
  try {
    return messages.map(([name, parts]) => {
      const audio = encodeTransmission(
        modem,
        parts.map(([fixtureName, framesMax]) => ({ bytes: fixture(fixtureName), framesMax })),
      );
      const bytes = parts.reduce((total, [fixtureName]) => total + fixture(fixtureName).length, 0);
      // The whole transmission: every frame's audio and the 250 ms silences before, between and after frames.
      return {
        message: name,
        bytes,
        seconds: Number((audio.samples.length / audio.sampleRateHz).toFixed(2)),
      };
    });
  } finally {
    modem.close();
  }
}

async function main(): Promise<void> {
  const algorithms = cases.map(measureAlgorithm);
  const transaction = measureTransaction();
  const breakdown = measureBreakdown();
  const airTime = await measureAirTime();
  const percent = (part: number, whole: number) => Number(((100 * part) / whole).toFixed(1));
  const round = (value: number) => Math.round(value);

  const table = [
    '## Verifications per second per core (one thread), the authorization’s Sig_structure',
    '',
    '| algorithm | raw node:crypto (KeyObject) | verifySignature native | verifySignature noble | native/noble | verifyConsumerAuthorization native | % of raw | verifyCoseSign1 native | % of raw |',
    '|---|---|---|---|---|---|---|---|---|',
    ...algorithms.map(({ alg, native, noble }) =>
      [
        alg,
        round(native.raw!),
        round(native.verifySignature!),
        round(noble.verifySignature!),
        (native.verifySignature! / noble.verifySignature!).toFixed(1),
        round(native.verifyConsumerAuthorization!),
        `${percent(native.verifyConsumerAuthorization!, native.raw!)} %`,
        round(native.verifyCoseSign1!),
        `${percent(native.verifyCoseSign1!, native.raw!)} %`,
      ]
        .join(' | ')
        .replace(/^/, '| ')
        .replace(/$/, ' |'),
    ),
    '',
    `verifySignature native vs raw: ${algorithms.map(({ alg, native }) => `${alg} ${percent(native.verifySignature!, native.raw!)} %`).join(', ')}.`,
    `Noble path (phones, browsers): verifyConsumerAuthorization ${algorithms.map(({ alg, noble }) => `${alg} ${round(noble.verifyConsumerAuthorization!)}/s`).join(', ')}.`,
    '',
    '## Offline transaction (the upload unit, both signatures ES256): the verifier’s path, per second per core',
    '',
    '| raw pair of node:crypto verifications | verifyOfflineTransaction (decoded) | % of raw | decodeOfflineTransaction + verifyOfflineTransaction | % of raw | decodeOfflineTransaction alone |',
    '|---|---|---|---|---|---|',
    [
      round(transaction.rawPair!),
      round(transaction.verifyOfflineTransaction!),
      `${percent(transaction.verifyOfflineTransaction!, transaction.rawPair!)} %`,
      round(transaction.decodeAndVerifyOfflineTransaction!),
      `${percent(transaction.decodeAndVerifyOfflineTransaction!, transaction.rawPair!)} %`,
      round(transaction.decodeOfflineTransaction!),
    ]
      .join(' | ')
      .replace(/^/, '| ')
      .replace(/$/, ' |'),
    '',
    '## Where the time of the upload path goes (µs per call, each step alone)',
    '',
    '| step | µs |',
    '|---|---|',
    ...breakdown.map(({ step, microseconds }) => `| ${step} | ${microseconds} |`),
    '',
    '## Seconds on air (ggwave audible fastest, the default; 48 kHz, with 250 ms of silence around each frame)',
    '',
    '| message | bytes | frames | seconds |',
    '|---|---|---|---|',
    ...airTime.map(
      ({ message, bytes, seconds }) =>
        `| ${message} | ${bytes} | ${message.includes('+') ? '-' : bytes <= 140 ? 1 : Math.ceil(bytes / 129)} | ${seconds} |`,
    ),
  ];
  const data = {
    roundMs,
    rounds,
    loadAverage: os.loadavg(),
    algorithms,
    transaction,
    breakdown,
    airTime,
  };
  writeResults('crypto', data, table, headlineFigures.crypto(data));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
