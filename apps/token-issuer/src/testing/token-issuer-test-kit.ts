// Integration-test kit of the token issuer: the service started over HTTPS (TLS 1.3, certificates from
// scripts/dev-pki.mjs in a temporary directory) with a key-custody file the test may rewrite (rotation),
// on its own topic prefix; a tap that publishes the registry's and verifier's events and collects the
// issuer's session events; and devices whose binding keys the kit registers through those events.
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  type AttestationFormat,
  attestationCompletedV1,
  deviceEnrolledV1,
  type EventDefinition,
  type EventEnvelope,
  type KeyState,
  keyLifecycleChangedV1,
  type KeyStatePeriodV1,
  terminalRegisteredV1,
} from '@settle/contracts';
import { newEvent, requestCause } from '@settle/messaging';
import { calculateJwkThumbprint, generateKeyPair } from '@settle/crypto';
import { type TlsEndpoint } from '@settle/device-session';
import { type KeyCustodyDocument, createKeyCustodyDocument } from '@settle/key-custody';
import { startTopicTap, waitFor } from '@settle/messaging/testing';
import { startTestService, type TestService } from '@settle/platform/testing';
import { type JWK } from 'jose';
import { DataSource } from 'typeorm';
import { serviceDefinition } from '../service-definition';

const repositoryRoot = path.join(__dirname, '../../../..');
const projectionWaitMs = 30_000;

/** A device or terminal with a binding key, as the registry describes it in its events. */
export interface TestDevice {
  readonly kind: 'device' | 'terminal';
  readonly id: string;
  readonly owner: string;
  readonly keyId: string;
  readonly privateJwk: JWK;
  readonly publicJwk: { kty: 'EC'; crv: 'P-256'; x: string; y: string };
  /** The history of the key's lifecycle sent so far (each event carries all of it). */
  history: KeyStatePeriodV1[];
  /** The key's purpose; `binding` when absent. */
  readonly purpose?: 'binding' | 'payment';
}

export interface TokenIssuerTestKit {
  readonly test: TestService<typeof serviceDefinition.config>;
  readonly endpoint: TlsEndpoint;
  readonly published: EventEnvelope[];
  readonly custodyFile: string;
  readonly pki: {
    readonly caCert: string;
    readonly serverCert: string;
    readonly serverKey: string;
  };
  publish(envelope: EventEnvelope): Promise<void>;
  /**
   * Registers a device (or terminal) and its binding key in `state`, its verdict of `format` (default
   * `android-key`) at `level`, and waits until the issuer projected it.
   */
  enrol(options?: {
    kind?: 'device' | 'terminal';
    state?: KeyState;
    level?: 'strongbox' | 'tee' | 'secure-enclave' | 'software' | null;
    format?: AttestationFormat;
    device?: TestDevice;
  }): Promise<TestDevice>;
  /**
   * Registers a payment key of the device's owner (by default active, `apple-app-attest` at
   * `secure-enclave`: an iPhone's App Attest key) and waits until the issuer projected it and its verdict.
   */
  addPaymentKey(
    device: TestDevice,
    options?: { state?: KeyState; format?: AttestationFormat; key?: TestDevice },
  ): Promise<TestDevice>;
  /** Moves the key to a new state (a new history period) and waits until the issuer projected it. */
  changeKeyState(
    device: TestDevice,
    state: KeyState,
    reason?: KeyStatePeriodV1['reason'],
  ): Promise<void>;
  /** Replaces the custody document (the file adapter reloads on a changed modification time). */
  writeCustody(document: KeyCustodyDocument): void;
  query<Row = Record<string, unknown>>(text: string, values?: unknown[]): Promise<Row[]>;
  stop(): Promise<void>;
}

function envelope<TType extends string, TPayload>(
  definition: EventDefinition<TType, TPayload>,
  payload: TPayload,
): EventEnvelope {
  return newEvent(
    definition,
    payload,
    requestCause(null, new Date().toISOString()),
    definition.producer,
  );
}

export function uniqueId(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/** The development PKI, made by the same script `npm start` runs. */
export function makeTestPki(): {
  directory: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  keyCustody: string;
} {
  const directory = mkdtempSync(path.join(tmpdir(), 'settle-token-issuer-pki-'));
  execFileSync(
    process.execPath,
    [path.join(repositoryRoot, 'scripts/dev-pki.mjs'), '--dir', directory],
    { stdio: 'pipe' },
  );
  return {
    directory,
    caCert: path.join(directory, 'ca.crt'),
    serverCert: path.join(directory, 'token-issuer.crt'),
    serverKey: path.join(directory, 'token-issuer.key'),
    keyCustody: path.join(directory, 'key-custody.json'),
  };
}

/** A device with a binding key the registry never announced. */
export function unregisteredDevice(kind: 'device' | 'terminal' = 'device'): TestDevice {
  const { privateJwk, publicJwk } = generateKeyPair('ES256');
  return {
    kind,
    id: uniqueId(kind === 'device' ? 'dev' : 'ter'),
    owner: uniqueId(kind === 'device' ? 'acc' : 'mer'),
    keyId: calculateJwkThumbprint(publicJwk),
    privateJwk: privateJwk as JWK,
    publicJwk: publicJwk as TestDevice['publicJwk'],
    history: [],
  };
}

let custodyWrites = 0;

export async function startTokenIssuer(env: NodeJS.ProcessEnv = {}): Promise<TokenIssuerTestKit> {
  const prefix = `t${randomBytes(4).toString('hex')}.`;
  const pki = makeTestPki();
  const custodyFile = path.join(pki.directory, 'test-custody.json');
  const writeCustody = (document: KeyCustodyDocument): void => {
    writeFileSync(custodyFile, JSON.stringify(document), { mode: 0o600 });
    // Two writes within one timestamp tick would look unchanged to the adapter: give each its own mtime.
    custodyWrites += 1;
    const stamp = new Date(Date.now() + custodyWrites * 1000);
    utimesSync(custodyFile, stamp, stamp);
  };
  writeCustody(createKeyCustodyDocument(['token-signing'], new Date(Date.now() - 3_600_000)));
  const test = await startTestService(serviceDefinition, {
    env: {
      SETTLE_KAFKA_TOPIC_PREFIX: prefix,
      SETTLE_KAFKA_CREATE_TOPICS: 'true',
      SETTLE_HTTP_TLS_CERT_FILE: pki.serverCert,
      SETTLE_HTTP_TLS_KEY_FILE: pki.serverKey,
      SETTLE_KEY_CUSTODY_FILE: custodyFile,
      SETTLE_TOKEN_ISSUER_BINDING_MODES: 'token-binding,dpop',
      SETTLE_TOKEN_ISSUER_RATE_LIMIT_IP_PER_MINUTE: '100000',
      SETTLE_TOKEN_ISSUER_RATE_LIMIT_KEY_PER_MINUTE: '5',
      ...env,
    },
  });
  const tap = await startTopicTap({
    service: 'token-issuer',
    prefix,
    outputTopics: ['token-issuer.sessions.v1'],
  });
  const dataSource = test.service.app.get(DataSource);
  const query = <Row>(text: string, values?: unknown[]) =>
    dataSource.query(text, values) as Promise<Row[]>;
  const port = Number(new URL(test.url).port);

  const publishKey = async (device: TestDevice): Promise<void> => {
    const purpose = device.purpose ?? 'binding';
    const state = device.history[device.history.length - 1]!.state;
    await tap.publish(
      envelope(keyLifecycleChangedV1, {
        keyId: device.keyId,
        owner: { kind: device.kind, id: device.id },
        purpose,
        algorithm: 'ES256',
        publicKeyJwk: device.publicJwk,
        state,
        history: device.history,
      }),
    );
    await waitFor(
      async () =>
        (
          await query<{ n: number }>(
            'SELECT count(*)::int AS n FROM token_issuer_keys WHERE key_id = $1 AND history_count = $2',
            [device.keyId, device.history.length],
          )
        )[0]?.n === 1,
      projectionWaitMs,
      `key ${device.keyId} projected in state ${state}`,
    );
  };

  return {
    test,
    endpoint: { host: '127.0.0.1', port, servername: 'localhost', ca: readFileSync(pki.caCert) },
    published: tap.published,
    custodyFile,
    pki,
    publish: tap.publish,
    writeCustody,
    query,
    enrol: async (options = {}) => {
      const kind = options.kind ?? 'device';
      const started = new Date(Date.now() - 60_000).toISOString();
      const attested = new Date(Date.now() - 30_000).toISOString();
      const state = options.state ?? 'active';
      const history: KeyStatePeriodV1[] =
        state === 'pending'
          ? [{ state: 'pending', reason: null, validFrom: started, validTo: null }]
          : [
              { state: 'pending', reason: null, validFrom: started, validTo: attested },
              {
                state,
                reason: state === 'active' ? null : 'operator-action',
                validFrom: attested,
                validTo: null,
              },
            ];
      const device: TestDevice = { ...(options.device ?? unregisteredDevice(kind)), history };
      await tap.publish(
        kind === 'device'
          ? envelope(deviceEnrolledV1, {
              deviceId: device.id,
              accountId: device.owner,
              platform: 'android',
              enrolledAt: started,
            })
          : envelope(terminalRegisteredV1, {
              terminalId: device.id,
              merchantId: device.owner,
              registeredAt: started,
            }),
      );
      const level = options.level === undefined ? 'strongbox' : options.level;
      if (level !== null) {
        await tap.publish(
          envelope(attestationCompletedV1, {
            requestId: randomUUID(),
            keyId: device.keyId,
            verdict: 'accepted',
            reasonCode: null,
            level,
            format: options.format ?? 'android-key',
            verifiedAt: attested,
          }),
        );
      }
      await publishKey(device);
      const ownerTable =
        kind === 'device'
          ? 'token_issuer_devices WHERE device_id = $1'
          : 'token_issuer_terminals WHERE terminal_id = $1';
      await waitFor(
        async () =>
          (
            await query<{ n: number }>(`SELECT count(*)::int AS n FROM ${ownerTable}`, [device.id])
          )[0]?.n === 1,
        projectionWaitMs,
        `${kind} ${device.id} projected`,
      );
      if (level !== null) {
        await waitFor(
          async () =>
            (
              await query<{ n: number }>(
                'SELECT count(*)::int AS n FROM token_issuer_attestation_levels WHERE key_id = $1',
                [device.keyId],
              )
            )[0]?.n === 1,
          projectionWaitMs,
          'attestation level projected',
        );
      }
      return device;
    },
    addPaymentKey: async (device, options = {}) => {
      const started = new Date(Date.now() - 60_000).toISOString();
      const attested = new Date(Date.now() - 30_000).toISOString();
      const state = options.state ?? 'active';
      const history: KeyStatePeriodV1[] = [
        { state: 'pending', reason: null, validFrom: started, validTo: attested },
        {
          state,
          reason: state === 'active' ? null : 'operator-action',
          validFrom: attested,
          validTo: null,
        },
      ];
      const paymentKey: TestDevice = {
        ...(options.key ?? unregisteredDevice(device.kind)),
        kind: device.kind,
        id: device.id,
        owner: device.owner,
        history,
        purpose: 'payment',
      };
      const verdict = {
        requestId: randomUUID(),
        keyId: paymentKey.keyId,
        verdict: 'accepted' as const,
        reasonCode: null,
        level: 'secure-enclave' as const,
        format: options.format ?? 'apple-app-attest',
        verifiedAt: attested,
      };
      await tap.publish(envelope(attestationCompletedV1, verdict));
      await publishKey(paymentKey);
      await waitFor(
        async () =>
          (
            await query<{ n: number }>(
              'SELECT count(*)::int AS n FROM token_issuer_attestation_levels WHERE key_id = $1',
              [paymentKey.keyId],
            )
          )[0]?.n === 1,
        projectionWaitMs,
        'payment key verdict projected',
      );
      return paymentKey;
    },
    changeKeyState: async (device, state, reason = 'operator-action') => {
      const now = new Date().toISOString();
      const last = device.history[device.history.length - 1]!;
      device.history = [
        ...device.history.slice(0, -1),
        { ...last, validTo: now },
        { state, reason, validFrom: now, validTo: null },
      ];
      await publishKey(device);
    },
    stop: async () => {
      await tap.stop();
      await test.stop();
      rmSync(pki.directory, { recursive: true, force: true });
    },
  };
}
