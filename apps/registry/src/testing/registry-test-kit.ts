// Integration-test kit of the registry: a running registry on its own topics with four admin operators
// (a maker, a checker, a viewer, and a second operator who both makes and checks), a producer that publishes verifier and ledger events, a collector of everything the registry
// publishes, and helpers for the admin and enrolment HTTP APIs. Its registry signs credentials with
// a key-custody file of its own. Devices authenticate either through a test authenticator
// (`Authorization: TestDevice <role> <subject> <owner>`, the default: tests of what the routes do), or,
// with `guard`, through the production resource guard trusting a test token issuer's static JWKS, over
// real TLS 1.3 (bound tokens sent with `kit.bound()`; the admin API then goes over HTTPS too).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Module } from '@nestjs/common';
import {
  accountBackInFundsV1,
  accountOverdrawnV1,
  type AttestationCompletedV1,
  attestationCompletedV1,
  type EventDefinition,
  type EventEnvelope,
  type PrincipalRole,
} from '@settle/contracts';
import { newEvent, requestCause } from '@settle/messaging';
import { generateKeyPair } from '@settle/crypto';
import { createKeyCustodyDocument, type KeyCustodyDocument } from '@settle/key-custody';
import { startTopicTap } from '@settle/messaging/testing';
import { hashAdminSecret } from '@settle/platform';
import {
  adminAuthorization,
  startTestService,
  testAdminCredentials,
  type TestService,
} from '@settle/platform/testing';
import {
  type BoundRequestInput,
  type BoundResponse,
  makeSelfSignedCertificate,
  sendBoundRequest,
  type TestTokenIssuer,
} from '@settle/resource-guard/testing';
import { DataSource } from 'typeorm';
import {
  DEVICE_AUTHENTICATOR,
  type DeviceAuthenticator,
  type DeviceIdentity,
} from '../device-authentication/device-authenticator';
import { registryModuleMetadata } from '../registry.module';
import { serviceDefinition } from '../service-definition';

const testDeviceAuthorization =
  /^TestDevice (consumer-device|pos-terminal) ([A-Za-z0-9_-]{1,64}) ([A-Za-z0-9_-]{1,64})$/;

/** Stands in for the bound-token resource guard: trusts `Authorization: TestDevice <role> <subject> <owner>`. */
export const testDeviceAuthenticator: DeviceAuthenticator = {
  authenticate: async (request) => {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? testDeviceAuthorization.exec(header) : null;
    return {
      identity: match
        ? { role: match[1] as PrincipalRole, subject: match[2]!, owner: match[3]! }
        : null,
    };
  },
};

/** The header the test authenticator accepts for `identity`. */
export function deviceAuthorization(identity: DeviceIdentity): string {
  return `TestDevice ${identity.role} ${identity.subject} ${identity.owner}`;
}

@Module(
  registryModuleMetadata({ provide: DEVICE_AUTHENTICATOR, useValue: testDeviceAuthenticator }),
)
class TestRegistryModule {}

/** The registry with the test device authenticator bound (for tests that start it themselves, e.g. e2e). */
export const testRegistryDefinition: typeof serviceDefinition = {
  ...serviceDefinition,
  module: TestRegistryModule,
};

/** Writes a new custody file with one active credential-signing key; its path is SETTLE_KEY_CUSTODY_FILE. */
export function writeCredentialCustodyFile(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'registry-custody-')), 'key-custody.json');
  writeCustodyFile(path, credentialCustody());
  return path;
}

/** A second operator who both makes and checks: a checker may still not approve their own change. */
export const secondOperator = {
  operatorId: 'second-operator',
  secret: 'second-secret-4b7e1a',
} as const;

export interface HttpAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export interface RegistryTestKit {
  readonly test: TestService<typeof serviceDefinition.config>;
  readonly prefix: string;
  readonly published: EventEnvelope[];
  readonly deadLetters: Array<{ reason: string; value: string }>;
  publish(envelope: EventEnvelope): Promise<void>;
  /** An admin call, as the test operator unless another authorization is given. */
  admin(method: string, path: string, body?: unknown, authorization?: string): Promise<HttpAnswer>;
  /** A device call: unauthenticated, or as `identity` (through the test authenticator; not with `guard`). */
  device(
    method: string,
    path: string,
    body?: unknown,
    identity?: DeviceIdentity,
  ): Promise<HttpAnswer>;
  /** With `guard` and TLS: one HTTPS request, bound as `sendBoundRequest` binds it (`server` is the registry). */
  bound(input: Omit<BoundRequestInput, 'server'>): Promise<BoundResponse>;
  /** The key-custody file the registry signs credentials with. */
  readonly custodyFile: string;
  /** Replaces the custody document (the registry reads the file again on its next signature). */
  writeCustody(document: KeyCustodyDocument): void;
  query<Row = Record<string, unknown>>(text: string, values?: unknown[]): Promise<Row[]>;
  stop(): Promise<void>;
}

const outputTopics = [
  'registry.accounts.v1',
  'registry.merchants.v1',
  'registry.terminals.v1',
  'registry.devices.v1',
  'registry.device-offline-capability.v1',
  'registry.key-lifecycle.v1',
  'registry.attestation-requests.v1',
  'registry.device-check-ins.v1',
];

/** A custody document with one credential-signing key, active since a minute ago. */
export function credentialCustody(activatesAt = new Date(Date.now() - 60_000)): KeyCustodyDocument {
  return createKeyCustodyDocument(['credential-signing'], activatesAt);
}

let custodyWrites = 0;

function writeCustodyFile(path: string, document: KeyCustodyDocument): void {
  writeFileSync(path, JSON.stringify(document), { mode: 0o600 });
  // A distinct modification time each write, so FileKeyCustody sees every change.
  custodyWrites += 1;
  const modified = new Date(Date.now() + custodyWrites * 1_000);
  utimesSync(path, modified, modified);
}

async function twoOperatorCredentials(): Promise<string> {
  const first = JSON.parse(await testAdminCredentials()) as unknown[];
  const secretHash = await hashAdminSecret(secondOperator.secret, {
    cost: 2 ** 14,
    blockSize: 8,
    parallelization: 1,
  });
  return JSON.stringify([
    ...first,
    { operatorId: secondOperator.operatorId, secretHash, roles: ['viewer', 'maker', 'checker'] },
  ]);
}

/** Devices authenticate through the production resource guard, trusting `tokenIssuer`'s JWKS. */
export interface RegistryGuardOptions {
  readonly tokenIssuer: TestTokenIssuer;
  /** TLS 1.3 ending in the registry, with a throwaway certificate (default true); false: plain HTTP. */
  readonly tls?: boolean;
}

/** The guard's environment: the issuer's static JWKS, and a certificate and key in a temporary directory. */
function guardEnvironment(guard: RegistryGuardOptions): {
  env: Record<string, string>;
  cert: string | null;
  directory: string | null;
} {
  const env: Record<string, string> = {
    SETTLE_AUTH_MODE: 'token-binding',
    SETTLE_AUTH_ISSUER: guard.tokenIssuer.issuer,
    SETTLE_AUTH_AUDIENCE: guard.tokenIssuer.audience,
    SETTLE_AUTH_JWKS: JSON.stringify(guard.tokenIssuer.jwks()),
  };
  if (guard.tls === false) return { env, cert: null, directory: null };
  const certificate = makeSelfSignedCertificate();
  const directory = mkdtempSync(join(tmpdir(), 'registry-tls-'));
  writeFileSync(join(directory, 'cert.pem'), certificate.cert);
  writeFileSync(join(directory, 'key.pem'), certificate.key, { mode: 0o600 });
  return {
    env: {
      ...env,
      SETTLE_HTTP_TLS_CERT_FILE: join(directory, 'cert.pem'),
      SETTLE_HTTP_TLS_KEY_FILE: join(directory, 'key.pem'),
    },
    cert: certificate.cert,
    directory,
  };
}

export async function startRegistry(
  env: NodeJS.ProcessEnv = {},
  options: { readonly guard?: RegistryGuardOptions } = {},
): Promise<RegistryTestKit> {
  const prefix = `t${randomBytes(4).toString('hex')}.`;
  const custodyFile = writeCredentialCustodyFile();
  const guard = options.guard ? guardEnvironment(options.guard) : null;
  const test = await startTestService(guard ? serviceDefinition : testRegistryDefinition, {
    env: {
      SETTLE_KAFKA_TOPIC_PREFIX: prefix,
      SETTLE_KAFKA_CREATE_TOPICS: 'true',
      SETTLE_ADMIN_CREDENTIALS: await twoOperatorCredentials(),
      SETTLE_KEY_CUSTODY_FILE: custodyFile,
      ...guard?.env,
      ...env,
    },
  }).catch((error: unknown) => {
    if (guard?.directory) rmSync(guard.directory, { recursive: true, force: true });
    throw error;
  });
  const tap = await startTopicTap({ service: 'registry', prefix, outputTopics });
  const dataSource = test.service.app.get(DataSource);
  const server = guard?.cert ? { port: Number(new URL(test.url).port), cert: guard.cert } : null;
  const call = async (
    method: string,
    path: string,
    body: unknown,
    authorization: string | undefined,
  ): Promise<HttpAnswer> => {
    const headers = {
      ...(authorization ? { authorization } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    };
    const encoded = body === undefined ? undefined : JSON.stringify(body);
    if (server !== null) {
      const response = await sendBoundRequest({
        server,
        method,
        path,
        headers,
        ...(encoded === undefined ? {} : { body: encoded }),
      });
      return {
        status: response.status,
        body: JSON.parse(response.body) as Record<string, unknown>,
      };
    }
    const response = await fetch(`${test.url}${path}`, { method, headers, body: encoded });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  return {
    test,
    prefix,
    published: tap.published,
    deadLetters: tap.deadLetters,
    publish: tap.publish,
    admin: (method, path, body, authorization = adminAuthorization()) =>
      call(method, path, body, authorization),
    device: (method, path, body, identity) => {
      if (guard && identity)
        throw new Error('kit.device: with the resource guard, send a bound token with kit.bound()');
      return call(method, path, body, identity && deviceAuthorization(identity));
    },
    bound: (input) => {
      if (server === null)
        throw new Error('kit.bound: start the registry with { guard: { tokenIssuer } } and TLS');
      return sendBoundRequest({ ...input, server });
    },
    custodyFile,
    writeCustody: (document) => writeCustodyFile(custodyFile, document),
    query: (text, values) => dataSource.query(text, values),
    stop: async () => {
      await tap.stop();
      await test.stop();
      if (guard?.directory) rmSync(guard.directory, { recursive: true, force: true });
    },
  };
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

export function attestationCompleted(
  fields: Pick<AttestationCompletedV1, 'requestId' | 'keyId'> & Partial<AttestationCompletedV1>,
): EventEnvelope {
  const accepted = (fields.verdict ?? 'accepted') === 'accepted';
  return envelope(attestationCompletedV1, {
    verdict: 'accepted',
    reasonCode: accepted ? null : 'CERTIFICATE_CHAIN_INVALID',
    level: accepted ? 'strongbox' : null,
    format: 'android-key',
    verifiedAt: new Date().toISOString(),
    ...fields,
  });
}

export const accountOverdrawn = (accountId: string): EventEnvelope =>
  envelope(accountOverdrawnV1, {
    accountId,
    balance: '-100',
    currency: 'EUR',
    overdrawnAt: new Date().toISOString(),
  });
export const accountBackInFunds = (accountId: string): EventEnvelope =>
  envelope(accountBackInFundsV1, {
    accountId,
    balance: '0',
    currency: 'EUR',
    restoredAt: new Date().toISOString(),
  });

/** A payment and a binding key as a device would submit them (format android-key, placeholder evidence); `bindingPublicJwk` instead of a fresh binding key. */
export function deviceKeys(bindingPublicJwk?: unknown): Array<{
  purpose: 'payment' | 'binding';
  algorithm: 'ES256';
  publicKeyJwk: unknown;
  format: 'android-key';
  evidence: string;
}> {
  return (['payment', 'binding'] as const).map((purpose) => ({
    purpose,
    algorithm: 'ES256',
    publicKeyJwk:
      purpose === 'binding' && bindingPublicJwk !== undefined
        ? bindingPublicJwk
        : generateKeyPair('ES256').publicJwk,
    format: 'android-key',
    evidence: randomBytes(24).toString('base64url'),
  }));
}

export function uniqueId(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

export { waitFor } from '@settle/messaging/testing';
