// Tracing and metrics end to end (issue 12, §2): the four services each in a child process started
// from its own src/main.ts, exactly as in production — the OpenTelemetry Node SDK with the HTTP, NestJS,
// pg and kafkajs instrumentations, exporting OTLP/HTTP to a receiver in this test, and a Prometheus
// endpoint on SETTLE_METRICS_PORT. Child processes, not in-process services as in
// offline-payment.e2e-spec.ts: under Jest the instrumentations cannot patch the modules (Jest's module
// loader bypasses the require hook they patch through), and one process would give every span the same
// service.name.
//
// One offline payment, its device-side steps under one client span (as the demo traces a payment): the
// phone checks in (registry), the terminal starts a fresh bound session (token issuer) and uploads
// (verifier); then the verification, the ledger's settlement and the verifier's confirmation follow
// through Kafka. The token issuer and the registry take no part in a payment after its upload, so the
// client's trace is what brings them into the payment's trace; from the upload on, the trace travels in
// the outbox rows and Kafka headers alone. Asserted: one trace with spans of the four services and the
// chain upload → send → verify → send → settle → send → confirm; then the metrics on /metrics.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { context, propagation, trace } from '@opentelemetry/api';
import { formatTransactionId, type ProtocolPublicKey } from '@settle/protocol';
import { calculateJwkThumbprint, generateKeyPair } from '@settle/crypto';
import {
  MemoryStore,
  PcdWallet,
  PosTerminal,
  type ProcessorTrust,
  SoftwareKeystore,
} from '@settle/device-sdk';
import {
  DeviceSession,
  fetchCredentialKeys,
  fetchReceiptKeys,
  fetchTransactionStatus,
  isDeviceSessionError,
  type TlsEndpoint,
  type TransactionStatus,
  uploadTransactions,
} from '@settle/device-session';
import { adminAuthorization } from '@settle/platform/testing';
import { revocationDelayMsStated } from '@settle/resource-guard';
import { sendBoundRequest } from '@settle/resource-guard/testing';
import { installInMemorySpanExporter, type InMemorySpans, SpanAttribute } from '@settle/telemetry';
import {
  type ServiceName,
  serviceNames,
  type ServiceProcess,
  serviceStartMs,
  startServiceStack,
} from '@settle/service-stack';
import { type JWK } from 'jose';
import { Pool } from 'pg';

const offlineLimits = [{ currency: 'EUR', perTransactionMax: '2500', cumulativeMax: '5000' }];
const amount = 1_200n;
const kafkaWaitMs = 60_000;
const prompt = { title: 'Pay', subtitle: 'Observability' };
const uniqueId = (prefix: string) => `${prefix}_${randomBytes(6).toString('hex')}`;

/** A span as the OTLP receiver got it, flattened. */
interface ReceivedSpan {
  readonly service: string;
  readonly scope: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  /** OTLP span kind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  readonly kind: number;
  readonly attributes: Readonly<Record<string, unknown>>;
}

interface World {
  readonly receiver: { server: Server; spans: ReceivedSpan[]; url: string };
  readonly services: Record<ServiceName, ServiceProcess>;
  readonly prefix: string;
  readonly ca: Buffer;
  readonly endpoints: Record<'issuer' | 'registry' | 'verifier', TlsEndpoint>;
}

describe('tracing and metrics across the four services', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  let world: World;
  let clientSpans: InMemorySpans;

  beforeAll(async () => {
    clientSpans = installInMemorySpanExporter();
    cleanups.push(() => clientSpans.uninstall());
    world = await startWorld(cleanups);
  }, 4 * serviceStartMs);

  afterAll(async () => {
    const failures: unknown[] = [];
    for (const cleanup of cleanups.reverse())
      await Promise.resolve()
        .then(cleanup)
        .catch((error: unknown) => failures.push(error));
    if (failures.length > 0) throw failures[0];
  });

  it('traces one payment through the four services in one trace, and exposes the metrics', async () => {
    const { terminal, phone } = await onboard(world);

    // The device-side steps of the payment under one client span; W3C trace context on every request.
    const root = trace.getTracer('observability-e2e').startSpan('offline payment');
    const traceparent = traceparentOf(root);
    const headers = { traceparent };
    const checkIn = await boundPost(
      phone.session,
      world.endpoints.registry,
      `/v1/devices/${phone.deviceId}/check-ins`,
      headers,
    );
    expect(checkIn.status).toBe(201);
    expect(
      await phone.wallet.storeDeviceCredential(
        new Uint8Array(Buffer.from(String(checkIn.body.deviceCredential), 'base64url')),
        Date.now(),
      ),
    ).toMatchObject({ ok: true });
    const payment = await payOffline(terminal, phone);
    const transactionId = formatTransactionId(payment.transactionId);
    await terminal.session.start({ headers });
    await untilVerifierKnows(
      world,
      [terminal.approvalKeyId, phone.paymentKeyId],
      [terminal.bindingKeyId],
    );
    const uploaded = await uploadWhenGuardReady(() =>
      uploadTransactions(terminal.session, [{ bytes: payment.offlineTransactionBytes }], {
        verifier: world.endpoints.verifier,
        headers,
      }),
    );
    expect(uploaded.transactions.map(({ receipt }) => receipt.status)).toEqual(['accepted']);
    root.end();
    const traceId = root.spanContext().traceId;

    const status = await untilFinal(world.endpoints.verifier, terminal.session, transactionId);
    expect(status).toMatchObject({ status: 'settled' });

    // Each service exports its spans every OTEL_BSP_SCHEDULE_DELAY, in no particular order across
    // services: wait until the confirmation's span and every span between it and the client's arrived.
    const inTrace = () => world.receiver.spans.filter((span) => span.traceId === traceId);
    const topic = (name: string) => `${world.prefix}${name}`;
    const confirmationIn = (spans: readonly ReceivedSpan[]) =>
      spans.find(
        (span) =>
          span.name === `process ${topic('payments.settlements.v1')}` &&
          span.service === 'verifier',
      );
    const reachesClient = (spans: readonly ReceivedSpan[]) => {
      const byId = new Map(spans.map((span) => [span.spanId, span]));
      let span = confirmationIn(spans);
      while (span !== undefined && span.parentSpanId !== root.spanContext().spanId)
        span = byId.get(span.parentSpanId);
      return span !== undefined;
    };
    await waitUntil(
      () => reachesClient(inTrace()),
      kafkaWaitMs,
      () =>
        `the spans from the upload to the confirmation in trace ${traceId} (so far: ${summarise(inTrace())})`,
    );
    const spans = inTrace();
    const confirmation = () => confirmationIn(spans);
    expect(new Set(spans.map((span) => span.service))).toEqual(new Set(serviceNames));

    // The device-side requests are children of the client span.
    const serverSpan = (service: ServiceName, path: string) =>
      spans.find(
        (span) =>
          span.service === service &&
          span.kind === 2 &&
          String(span.attributes['http.target'] ?? span.attributes['url.path'] ?? '').startsWith(
            path,
          ),
      );
    for (const [service, path] of [
      ['registry', `/v1/devices/${phone.deviceId}/check-ins`],
      ['token-issuer', '/v1/sessions'],
      ['verifier', '/v1/uploads'],
    ] as const) {
      expect({ service, path, parent: serverSpan(service, path)?.parentSpanId }).toEqual({
        service,
        path,
        parent: root.spanContext().spanId,
      });
    }

    // From the upload on, through the outbox and Kafka: each step the child of the one before.
    const byId = new Map(spans.map((span) => [span.spanId, span]));
    const chain: Array<[ServiceName, string]> = [];
    for (
      let span: ReceivedSpan | undefined = confirmation();
      span !== undefined;
      span = byId.get(span.parentSpanId)
    )
      chain.unshift([span.service as ServiceName, span.name]);
    const steps = chain.filter(([, name]) => /^(send|process) /.test(name));
    expect(steps).toEqual([
      ['verifier', `send ${topic('payments.uploaded.v1')}`],
      ['verifier', `process ${topic('payments.uploaded.v1')}`],
      ['verifier', `send ${topic('payments.verified.v1')}`],
      ['ledger', `process ${topic('payments.verified.v1')}`],
      ['ledger', `send ${topic('payments.settlements.v1')}`],
      ['verifier', `process ${topic('payments.settlements.v1')}`],
    ]);
    // …and the chain starts at the upload request.
    expect(chain[0]).toEqual(['verifier', serverSpan('verifier', '/v1/uploads')!.name]);
    const paymentGroups = [
      'ledger.settle-payments',
      'verifier.payments',
      'verifier.settlement-outcomes',
    ];
    const consumed = spans.filter(
      (span) => span.name.startsWith('process ') && span.scope === '@settle/messaging',
    );
    const paymentSteps = consumed.filter((span) =>
      paymentGroups.includes(String(span.attributes[SpanAttribute.messagingConsumerGroupName])),
    );
    expect(
      paymentSteps
        .map((span) => [
          span.attributes[SpanAttribute.messagingConsumerGroupName],
          span.attributes[SpanAttribute.settleTransactionId],
        ])
        .sort(),
    ).toEqual(paymentGroups.map((group) => [group, transactionId]));
    // The registry's check-in is an event too: its consumers continue the same trace.
    const ancestorsOf = (span: ReceivedSpan): ReceivedSpan[] => {
      const parent = byId.get(span.parentSpanId);
      return parent ? [parent, ...ancestorsOf(parent)] : [];
    };
    const checkInSpan = serverSpan('registry', `/v1/devices/${phone.deviceId}/check-ins`)!;
    expect(
      consumed
        .filter((span) => ancestorsOf(span).includes(checkInSpan))
        .map((span) => span.service),
    ).toContain('verifier');
    // The instrumentations are on: NestJS handlers and pg queries within the payment's trace.
    expect(
      spans.some(
        (span) =>
          span.scope === '@opentelemetry/instrumentation-nestjs-core' &&
          span.service === 'verifier',
      ),
    ).toBe(true);
    expect(
      new Set(
        spans
          .filter((span) => span.scope === '@opentelemetry/instrumentation-pg')
          .map((span) => span.service),
      ),
    ).toEqual(new Set(serviceNames));
    expect(
      spans.find((span) => span.attributes[SpanAttribute.settleUploadBatchId] !== undefined)
        ?.attributes[SpanAttribute.settleUploadBatchId],
    ).toBe(uploaded.batches[0]!.batchId);

    // The Prometheus endpoints, after that payment.
    const verifierMetrics = await scrape(world.services.verifier);
    expect(verifierMetrics).toMatch(/^settle_uploads_total\{outcome="accepted"\} 1$/m);
    expect(verifierMetrics).toMatch(/^settle_verifications_total\{verdict="verified"\} 1$/m);
    expect(verifierMetrics).toMatch(/^settle_upload_to_settled_seconds_count 1$/m);
    expect(verifierMetrics).toMatch(/^settle_upload_to_settled_seconds_bucket\{le="\+Inf"\} 1$/m);
    expect(verifierMetrics).toMatch(/^settle_outbox_backlog\{service="verifier"\} \d+$/m);
    expect(verifierMetrics).toMatch(
      new RegExp(
        `^settle_consumer_lag\\{group="verifier\\.payments",topic="${escape(topic('payments.uploaded.v1'))}",partition="\\d+"\\} \\d+$`,
        'm',
      ),
    );
    expect(verifierMetrics).toMatch(
      /^settle_dead_letters_total\{service="verifier",reason="HANDLER_FAILED"\} 0$/m,
    );
    const ledgerMetrics = await scrape(world.services.ledger);
    expect(ledgerMetrics).toMatch(/^settle_settlements_total\{outcome="settled"\} 1$/m);
    expect(ledgerMetrics).toMatch(
      new RegExp(
        `^settle_consumer_lag\\{group="ledger\\.settle-payments",topic="${escape(topic('payments.verified.v1'))}",partition="\\d+"\\} 0$`,
        'm',
      ),
    );
    expect(ledgerMetrics).toMatch(/^settle_outbox_backlog\{service="ledger"\} \d+$/m);
    expect(ledgerMetrics).toMatch(
      /^settle_dead_letters_total\{service="ledger",reason="RETRIES_EXHAUSTED"\} 0$/m,
    );
  });
});

// ---------------------------------------------------------------------------------------------------
// The four services (test/support/stack), the OTLP receiver.

async function startWorld(cleanups: Array<() => Promise<void> | void>): Promise<World> {
  const receiver = await startOtlpReceiver();
  cleanups.push(() => new Promise<void>((resolve) => receiver.server.close(() => resolve())));
  const kafkaBrokers = process.env.KAFKA_BROKERS;
  if (!kafkaBrokers)
    throw new Error('KAFKA_BROKERS is not set (the integration global setup sets it)');
  const stack = await startServiceStack({
    kafkaBrokers,
    topicPrefix: `obs${randomBytes(4).toString('hex')}.`,
    databasePrefix: 'test_obs',
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '200' },
  });
  cleanups.push(() => stack.stop());
  const { issuer, registry, verifier, caPem } = stack.endpoints;
  return {
    receiver,
    services: stack.services,
    prefix: stack.topicPrefix,
    ca: Buffer.from(caPem),
    endpoints: { issuer, registry, verifier },
  };
}

/** An OTLP/HTTP (JSON) trace receiver, as a collector's: keeps every span it gets, flattened. */
async function startOtlpReceiver(): Promise<{
  server: Server;
  spans: ReceivedSpan[];
  url: string;
}> {
  const spans: ReceivedSpan[] = [];
  const server = createServer((request, response) => {
    void readBody(request).then((body) => {
      if (request.url === '/v1/traces') spans.push(...flattenOtlp(JSON.parse(body) as OtlpTraces));
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { server, spans, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

interface OtlpAttribute {
  readonly key: string;
  readonly value: {
    readonly stringValue?: string;
    readonly intValue?: string | number;
    readonly boolValue?: boolean;
    readonly doubleValue?: number;
  };
}
interface OtlpTraces {
  readonly resourceSpans: ReadonlyArray<{
    readonly resource: { readonly attributes: readonly OtlpAttribute[] };
    readonly scopeSpans: ReadonlyArray<{
      readonly scope: { readonly name: string };
      readonly spans: ReadonlyArray<{
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind: number;
        attributes: readonly OtlpAttribute[];
      }>;
    }>;
  }>;
}

function flattenOtlp(traces: OtlpTraces): ReceivedSpan[] {
  const attributesOf = (attributes: readonly OtlpAttribute[]) =>
    Object.fromEntries(
      attributes.map(({ key, value }) => [
        key,
        value.stringValue ?? value.intValue ?? value.boolValue ?? value.doubleValue,
      ]),
    );
  return traces.resourceSpans.flatMap(({ resource, scopeSpans }) => {
    const service = String(attributesOf(resource.attributes)['service.name']);
    return scopeSpans.flatMap(({ scope, spans }) =>
      spans.map((span) => ({
        service,
        scope: scope.name,
        traceId: span.traceId,
        spanId: span.spanId,
        parentSpanId: span.parentSpanId ?? '',
        name: span.name,
        kind: span.kind,
        attributes: attributesOf(span.attributes),
      })),
    );
  });
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('error', reject);
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

async function scrape(child: ServiceProcess): Promise<string> {
  const response = await fetch(child.metricsUrl);
  expect(response.status).toBe(200);
  return response.text();
}

// ---------------------------------------------------------------------------------------------------
// The parties and the payment (as offline-payment.e2e-spec.ts, without the sound link).

interface Terminal {
  readonly terminalId: string;
  readonly pos: PosTerminal;
  readonly session: DeviceSession;
  readonly approvalKeyId: string;
  readonly bindingKeyId: string;
}

interface Phone {
  readonly deviceId: string;
  readonly wallet: PcdWallet;
  readonly session: DeviceSession;
  readonly paymentKeyId: string;
}

interface HttpAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** A merchant with a terminal, an account with a phone (enrolled, in session), the wallet funded. */
async function onboard(world: World): Promise<{ terminal: Terminal; phone: Phone }> {
  const admin = (method: string, path: string, body?: unknown) =>
    registryCall(world, method, path, body, adminAuthorization());
  const merchantId = uniqueId('mer');
  const accountId = uniqueId('acc');
  expect(
    await admin('POST', '/admin/merchants', {
      merchantId,
      displayName: 'Observability Café',
      categoryCode: '5812',
      settlementCurrency: 'EUR',
      timeZone: 'Europe/Zurich',
    }),
  ).toMatchObject({ status: 200 });
  expect(
    await admin('POST', '/admin/accounts', {
      accountId,
      holderDisplayName: 'Holder',
      currency: 'EUR',
    }),
  ).toMatchObject({ status: 200 });
  const [terminal, phone] = await Promise.all([
    newTerminal(world, merchantId),
    newPhone(world, accountId),
  ]);
  await waitUntil(
    async () =>
      (
        await ledgerCall(world, 'POST', '/admin/fundings', {
          clientKey: uniqueId('fund'),
          consumerAccountId: accountId,
          amount: '10000',
          currency: 'EUR',
          externalReference: uniqueId('transfer'),
        })
      ).status === 200,
    kafkaWaitMs,
    'the wallet funded (the ledger knows the account)',
  );
  return { terminal, phone };
}

async function newTerminal(world: World, merchantId: string): Promise<Terminal> {
  const terminalId = uniqueId('ter');
  const admin = (method: string, path: string, body?: unknown) =>
    registryCall(world, method, path, body, adminAuthorization());
  expect(await admin('POST', '/admin/terminals', { terminalId, merchantId })).toMatchObject({
    status: 200,
  });
  const code = await admin('POST', '/admin/enrolment-codes', {
    subject: { kind: 'terminal', id: terminalId },
  });
  const store = new MemoryStore();
  const keystore = new SoftwareKeystore({
    store,
    authenticateUser: async () => true,
    backend: 'native',
  });
  const approvalKey = await keystore.generateKey('approval', { alg: 'ES256', purpose: 'payment' });
  const binding = generateKeyPair('ES256');
  const session = new DeviceSession({
    issuer: world.endpoints.issuer,
    bindingKeyId: calculateJwkThumbprint(binding.publicJwk),
    bindingPrivateJwk: binding.privateJwk as JWK,
  });
  const trust = await fetchTrust(world, session);
  const { paymentKeyId, bindingKeyId } = await enrol(
    world,
    String(code.body.code),
    undefined,
    approvalKey.publicKey,
    binding.publicJwk,
  );
  await startSession(session);
  const issued = await boundPost(
    session,
    world.endpoints.registry,
    `/v1/terminals/${terminalId}/credential`,
  );
  expect(issued).toMatchObject({ status: 200 });
  const credentialBytes = new Uint8Array(
    Buffer.from(String(issued.body.terminalCredential), 'base64url'),
  );
  const pos = await PosTerminal.open({
    store,
    terminalKey: {
      alg: 'ES256',
      keyId: approvalKey.publicKey.keyId,
      sign: (data) => approvalKey.sign(data),
    },
    terminalCredentialBytes: credentialBytes,
    trust,
  });
  return { terminalId, pos, session, approvalKeyId: paymentKeyId, bindingKeyId };
}

async function newPhone(world: World, accountId: string): Promise<Phone> {
  const deviceId = uniqueId('dev');
  const admin = (method: string, path: string, body?: unknown) =>
    registryCall(world, method, path, body, adminAuthorization());
  expect(
    await admin('POST', '/admin/devices', { deviceId, accountId, platform: 'android' }),
  ).toMatchObject({ status: 200 });
  expect(
    await admin('PUT', `/admin/devices/${deviceId}/offline-limits`, { limits: offlineLimits }),
  ).toMatchObject({ status: 200 });
  const code = await admin('POST', '/admin/enrolment-codes', {
    subject: { kind: 'device', id: deviceId },
  });
  const store = new MemoryStore();
  const keystore = new SoftwareKeystore({
    store,
    authenticateUser: async () => true,
    backend: 'native',
  });
  const binding = generateKeyPair('ES256');
  const session = new DeviceSession({
    issuer: world.endpoints.issuer,
    bindingKeyId: calculateJwkThumbprint(binding.publicJwk),
    bindingPrivateJwk: binding.privateJwk as JWK,
  });
  const wallet = await PcdWallet.open({ store, keystore, trust: await fetchTrust(world, session) });
  const paymentKey = await wallet.createPaymentKey('ES256');
  const { paymentKeyId } = await enrol(
    world,
    String(code.body.code),
    deviceId,
    paymentKey,
    binding.publicJwk,
  );
  await startSession(session);
  return { deviceId, wallet, session, paymentKeyId };
}

/** Registers a payment key and a binding key with an enrolment code; waits until both are active. */
async function enrol(
  world: World,
  code: string,
  deviceId: string | undefined,
  paymentKey: ProtocolPublicKey,
  bindingJwk: object,
): Promise<{ paymentKeyId: string; bindingKeyId: string }> {
  const challenge = await registryCall(world, 'POST', '/enrolment/challenges', {
    enrolmentCode: code,
    ...(deviceId === undefined ? {} : { deviceId }),
  });
  const keys = [
    {
      purpose: 'payment',
      algorithm: paymentKey.alg,
      publicKeyJwk: paymentKey.publicJwk,
      format: 'none',
      evidence: '',
    },
    {
      purpose: 'binding',
      algorithm: 'ES256',
      publicKeyJwk: bindingJwk,
      format: 'none',
      evidence: '',
    },
  ];
  const registered = await registryCall(world, 'POST', '/enrolment/keys', {
    enrolmentCode: code,
    challenge: challenge.body.challenge,
    keys,
  });
  expect(registered).toMatchObject({ status: 200, body: { outcome: 'registered' } });
  const [paymentKeyId, bindingKeyId] = (registered.body.keys as Array<{ keyId: string }>).map(
    (key) => key.keyId,
  ) as [string, string];
  await waitUntil(
    async () => {
      const states = await Promise.all(
        [paymentKeyId, bindingKeyId].map(
          async (keyId) =>
            (
              await registryCall(
                world,
                'GET',
                `/admin/keys/${keyId}`,
                undefined,
                adminAuthorization(),
              )
            ).body.state,
        ),
      );
      return states.every((state) => state === 'active');
    },
    kafkaWaitMs,
    `keys ${paymentKeyId}, ${bindingKeyId} active`,
  );
  return { paymentKeyId, bindingKeyId };
}

/** Starts the session, retried while the issuer's projection has not caught up with the registry. */
async function startSession(session: DeviceSession): Promise<void> {
  const notYetProjected = new Set(['KEY_UNKNOWN', 'KEY_NOT_ACTIVE', 'SUBJECT_UNKNOWN']);
  await waitUntil(
    async () => {
      try {
        await session.start();
        return true;
      } catch (error) {
        if (!isDeviceSessionError(error) || !notYetProjected.has(error.problemCode ?? ''))
          throw error;
        return false;
      }
    },
    kafkaWaitMs,
    'session start',
  );
}

/** A bound POST to the registry, repeated while its guard does not know the binding key yet (401). */
async function boundPost(
  session: DeviceSession,
  endpoint: TlsEndpoint,
  path: string,
  headers: Readonly<Record<string, string>> = {},
): Promise<HttpAnswer> {
  const once = async (): Promise<HttpAnswer> => {
    const connection = await session.connect(endpoint);
    try {
      const answer = await session.send(connection, {
        method: 'POST',
        path,
        url: `https://localhost:${endpoint.port}${path}`,
        headers,
      });
      return { status: answer.status, body: JSON.parse(answer.body) as Record<string, unknown> };
    } finally {
      connection.close();
    }
  };
  let answer = await once();
  await waitUntil(
    async () => answer.status !== 401 || ((answer = await once()), false),
    revocationDelayMsStated,
    () => `${path} accepted (last: ${answer.status})`,
  );
  return answer;
}

/** The payment as the SDKs make it (request, approval, countersignature), handed over directly. */
async function payOffline(terminal: Terminal, phone: Phone) {
  const created = terminal.pos.createRequest({
    amount,
    currency: 'EUR',
    nonce: new Uint8Array(randomBytes(16)),
    nowMs: Date.now(),
    validityMs: 120_000,
  });
  const presented = await phone.wallet.presentRequest({
    requestBytes: created.requestBytes,
    terminalCredentialBytes: created.terminalCredentialBytes,
    nowMs: Date.now(),
  });
  if (!presented.ok) throw new Error(`the phone refused the request: ${presented.code}`);
  const approved = await phone.wallet.approve(presented.value, { nowMs: Date.now(), prompt });
  if (!approved.ok) throw new Error(`the phone did not approve: ${approved.code}`);
  const accepted = await terminal.pos.acceptAuthorization({
    requestBytes: created.requestBytes,
    authorizationBytes: approved.value.authorizationBytes,
    deviceCredentialBytes: approved.value.deviceCredentialBytes,
    nowMs: Date.now(),
  });
  if (!accepted.ok) throw new Error(`the terminal refused the payment: ${accepted.code}`);
  return accepted.value;
}

async function fetchTrust(world: World, session: DeviceSession): Promise<ProcessorTrust> {
  const credentialKeys = await fetchCredentialKeys(session, { registry: world.endpoints.registry });
  const receiptKeys = await fetchReceiptKeys(session, { verifier: world.endpoints.verifier });
  return { credentialKeys, receiptKeys, algorithms: ['ES256'], backend: 'native' };
}

/** Waits until the verifier projected the payment keys and (for its guard) the binding keys. */
async function untilVerifierKnows(
  world: World,
  keyIds: readonly string[],
  bindingKeyIds: readonly string[],
): Promise<void> {
  const pool = new Pool({ connectionString: world.services.verifier.databaseUrl, max: 1 });
  try {
    await waitUntil(
      async () => {
        const {
          rows: [keys],
        } = await pool.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM verifier_keys WHERE key_id = ANY($1)',
          [keyIds],
        );
        const {
          rows: [binding],
        } = await pool.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM resource_guard_binding_keys WHERE key_id = ANY($1)',
          [bindingKeyIds],
        );
        return keys!.n === keyIds.length && binding!.n === bindingKeyIds.length;
      },
      kafkaWaitMs,
      "the verifier knows the parties' keys",
    );
  } finally {
    await pool.end();
  }
}

async function uploadWhenGuardReady<TResult>(upload: () => Promise<TResult>): Promise<TResult> {
  const deadline = Date.now() + revocationDelayMsStated;
  for (;;) {
    try {
      return await upload();
    } catch (error) {
      if (!isDeviceSessionError(error) || error.status !== 401 || Date.now() > deadline)
        throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

async function untilFinal(
  verifier: TlsEndpoint,
  session: DeviceSession,
  transactionId: string,
): Promise<TransactionStatus> {
  let status: TransactionStatus | null = null;
  await waitUntil(
    async () => {
      status = await fetchTransactionStatus(session, transactionId, { verifier });
      return (
        status !== null && ['settled', 'rejected', 'settlement-failed'].includes(status.status)
      );
    },
    kafkaWaitMs,
    () => `${transactionId} final (last: ${JSON.stringify(status)})`,
  );
  return status!;
}

async function registryCall(
  world: World,
  method: string,
  path: string,
  body?: unknown,
  authorization?: string,
): Promise<HttpAnswer> {
  const answer = await sendBoundRequest({
    server: { port: world.endpoints.registry.port, cert: world.ca.toString('utf8') },
    method,
    path,
    ...(authorization ? { headers: { authorization } } : {}),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return {
    status: answer.status,
    body: JSON.parse(answer.body || '{}') as Record<string, unknown>,
  };
}

async function ledgerCall(
  world: World,
  method: string,
  path: string,
  body?: unknown,
): Promise<HttpAnswer> {
  const response = await fetch(`${world.services.ledger.url}${path}`, {
    method,
    headers: {
      authorization: adminAuthorization(),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** The W3C traceparent of `span` (what a device's instrumented HTTP client would send). */
function traceparentOf(span: ReturnType<ReturnType<typeof trace.getTracer>['startSpan']>): string {
  const carrier: Record<string, string> = {};
  propagation.inject(trace.setSpan(context.active(), span), carrier);
  if (!carrier.traceparent) throw new Error('no propagator registered in the test process');
  return carrier.traceparent;
}

function summarise(spans: readonly ReceivedSpan[]): string {
  return spans.map((span) => `${span.service}:${span.name}`).join(', ');
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

async function waitUntil(
  condition: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string | (() => string),
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
