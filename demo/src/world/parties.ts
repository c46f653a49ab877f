// The parties of an offline payment as the SDKs see them: a merchant's terminal (PosTerminal with its
// approval key) and a consumer's phone (PcdWallet with its payment key), each with the bound session it
// uses online. Each is registered by the operator, enrols its keys with the registry (attested by a
// {@link KeyAttestor}), starts its session at the token issuer and fetches its credential — the same
// steps test/e2e and the demo take.
import { randomBytes } from 'node:crypto';
import { type ProtocolPublicKey } from '@settle/protocol';
import { calculateJwkThumbprint, generateKeyPair } from '@settle/crypto';
import {
  type DeviceKeystore,
  MemoryStore,
  PcdWallet,
  PosTerminal,
  type ProcessorTrust,
  SoftwareKeystore,
} from '@settle/device-sdk';
import {
  DeviceSession,
  type DeviceSessionError,
  fetchCredentialKeys,
  fetchReceiptKeys,
  isDeviceSessionError,
  type TlsEndpoint,
} from '@settle/device-session';
import { revocationDelayMsStated } from '@settle/resource-guard';
import { type JWK } from 'jose';
import {
  type Endpoints,
  expectStatus,
  type HttpAnswer,
  registryAdmin,
  registryCall,
} from './endpoints';
import { waitUntil } from './wait';

/** Bound of the waits on Kafka (consumer group joins can take seconds on a cold broker). */
export const kafkaWaitMs = 30_000;

/** A consumer's phone: its wallet over a store and a software keystore, and its bound session. */
export interface Phone {
  readonly deviceId: string;
  readonly accountId: string;
  readonly store: MemoryStore;
  readonly keystore: DeviceKeystore;
  readonly wallet: PcdWallet;
  readonly session: DeviceSession;
  readonly paymentKeyId: string;
  readonly bindingKeyId: string;
  /** The offline caps its device credential carries, as the check-in answered them. */
  readonly offlineCaps: unknown;
}

/** A merchant's terminal: the POS SDK with its approval key in a software keystore, and its bound session. */
export interface Terminal {
  readonly terminalId: string;
  readonly merchantId: string;
  readonly keystore: DeviceKeystore;
  readonly pos: PosTerminal;
  readonly session: DeviceSession;
  readonly approvalKeyId: string;
  readonly bindingKeyId: string;
  /** Its terminal credential as the registry issued it (sent before every request). */
  readonly credentialBytes: Uint8Array;
}

/** One key to register: what the device's secure hardware would attest. */
export interface KeyToAttest {
  readonly purpose: 'payment' | 'binding';
  readonly publicJwk: object;
}

/** Attestation evidence for a key over the registry's challenge, as the device's secure hardware makes it. */
export type KeyAttestor = (
  key: KeyToAttest,
  challenge: Uint8Array,
) => Promise<{ readonly format: string; readonly evidence: string }>;

/** Software keys without evidence (format `none`): accepted only by a development policy that lists `none`. */
export const noAttestation: KeyAttestor = async () => ({ format: 'none', evidence: '' });

/** An offline limit as the registry's admin API takes it (amounts as decimal strings). */
export interface OfflineLimit {
  readonly currency: string;
  readonly perTransactionMax: string;
  readonly cumulativeMax: string;
}

export const uniqueId = (prefix: string) => `${prefix}_${randomBytes(6).toString('hex')}`;

/** A terminal of `merchantId`: registered and enrolled by the operator, its session, its credential, its POS SDK. */
export async function newTerminal(
  endpoints: Endpoints,
  merchantId: string,
  attestor: KeyAttestor = noAttestation,
): Promise<Terminal> {
  const terminalId = uniqueId('ter');
  expectStatus(
    await registryAdmin(endpoints, 'POST', '/admin/terminals', { terminalId, merchantId }),
    200,
    `register terminal ${terminalId}`,
  );
  const code = expectStatus(
    await registryAdmin(endpoints, 'POST', '/admin/enrolment-codes', {
      subject: { kind: 'terminal', id: terminalId },
    }),
    201,
    'enrolment code',
  );
  const store = new MemoryStore();
  // A terminal's approval key: a payment-purpose key whose use needs no person at the counter.
  const keystore = new SoftwareKeystore({
    store,
    authenticateUser: async () => true,
    backend: 'native',
  });
  const approvalKey = await keystore.generateKey('approval', { alg: 'ES256', purpose: 'payment' });
  const binding = generateKeyPair('ES256');
  const session = new DeviceSession({
    issuer: endpoints.issuer,
    bindingKeyId: calculateJwkThumbprint(binding.publicJwk),
    bindingPrivateJwk: binding.privateJwk as JWK,
  });
  const trust = await fetchTrust(endpoints, session);
  const { paymentKeyId, bindingKeyId } = await enrol(
    endpoints,
    String(code.body['code']),
    undefined,
    approvalKey.publicKey,
    binding.publicJwk,
    attestor,
  );
  await startSession(session);
  const issued = expectStatus(
    await boundPost(session, endpoints.registry, `/v1/terminals/${terminalId}/credential`),
    200,
    `terminal credential of ${terminalId}`,
  );
  if (issued.body['terminalKeyId'] !== paymentKeyId)
    throw new Error(
      `the terminal credential of ${terminalId} names key ${String(issued.body['terminalKeyId'])}, not ${paymentKeyId}`,
    );
  const credentialBytes = new Uint8Array(
    Buffer.from(String(issued.body['terminalCredential']), 'base64url'),
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
  return {
    terminalId,
    merchantId,
    keystore,
    pos,
    session,
    approvalKeyId: paymentKeyId,
    bindingKeyId,
    credentialBytes,
  };
}

/** A phone of `accountId`: created with limits by the operator, enrolled, its session, checked in. */
export async function newPhone(
  endpoints: Endpoints,
  accountId: string,
  offlineLimits: readonly OfflineLimit[],
  attestor: KeyAttestor = noAttestation,
): Promise<Phone> {
  const deviceId = uniqueId('dev');
  expectStatus(
    await registryAdmin(endpoints, 'POST', '/admin/devices', {
      deviceId,
      accountId,
      platform: 'android',
    }),
    200,
    `register device ${deviceId}`,
  );
  const limits = expectStatus(
    await registryAdmin(endpoints, 'PUT', `/admin/devices/${deviceId}/offline-limits`, {
      limits: offlineLimits,
    }),
    200,
    `offline limits of ${deviceId}`,
  );
  if (limits.body['outcome'] !== 'applied')
    throw new Error(
      `the offline limits of ${deviceId} were not applied: ${JSON.stringify(limits.body)}`,
    );
  const code = expectStatus(
    await registryAdmin(endpoints, 'POST', '/admin/enrolment-codes', {
      subject: { kind: 'device', id: deviceId },
    }),
    201,
    'enrolment code',
  );
  const store = new MemoryStore();
  const keystore = new SoftwareKeystore({
    store,
    authenticateUser: async () => true,
    backend: 'native',
  });
  const binding = generateKeyPair('ES256');
  const session = new DeviceSession({
    issuer: endpoints.issuer,
    bindingKeyId: calculateJwkThumbprint(binding.publicJwk),
    bindingPrivateJwk: binding.privateJwk as JWK,
  });
  const wallet = await PcdWallet.open({
    store,
    keystore,
    trust: await fetchTrust(endpoints, session),
  });
  const paymentKey = await wallet.createPaymentKey('ES256');
  const { paymentKeyId, bindingKeyId } = await enrol(
    endpoints,
    String(code.body['code']),
    deviceId,
    paymentKey,
    binding.publicJwk,
    attestor,
  );
  await startSession(session);
  const checkIn = expectStatus(
    await boundPost(session, endpoints.registry, `/v1/devices/${deviceId}/check-ins`),
    201,
    `check-in of ${deviceId}`,
  );
  if (checkIn.body['paymentKeyId'] !== paymentKeyId)
    throw new Error(
      `the check-in of ${deviceId} names key ${String(checkIn.body['paymentKeyId'])}, not ${paymentKeyId}`,
    );
  const stored = await wallet.storeDeviceCredential(
    new Uint8Array(Buffer.from(String(checkIn.body['deviceCredential']), 'base64url')),
    Date.now(),
  );
  if (!stored.ok)
    throw new Error(`the wallet refused its device credential: ${stored.code} ${stored.message}`);
  return {
    deviceId,
    accountId,
    store,
    keystore,
    wallet,
    session,
    paymentKeyId,
    bindingKeyId,
    offlineCaps: checkIn.body['offlineCaps'],
  };
}

/**
 * Registers a payment key (from the device's keystore) and a binding key with an enrolment code, each
 * with the attestor's evidence over the challenge, and waits until the verifier's verdict made both
 * active. Returns their key ids.
 */
export async function enrol(
  endpoints: Endpoints,
  code: string,
  deviceId: string | undefined,
  paymentKey: ProtocolPublicKey,
  bindingJwk: object,
  attestor: KeyAttestor = noAttestation,
): Promise<{ paymentKeyId: string; bindingKeyId: string }> {
  const challenge = expectStatus(
    await registryCall(endpoints, 'POST', '/enrolment/challenges', {
      enrolmentCode: code,
      ...(deviceId === undefined ? {} : { deviceId }),
    }),
    201,
    'enrolment challenge',
  );
  const challengeBytes = new Uint8Array(
    Buffer.from(String(challenge.body['challenge']), 'base64url'),
  );
  const toRegister: KeyToAttest[] = [
    { purpose: 'payment', publicJwk: paymentKey.publicJwk },
    { purpose: 'binding', publicJwk: bindingJwk },
  ];
  const keys = await Promise.all(
    toRegister.map(async (key) => ({
      purpose: key.purpose,
      algorithm: key.purpose === 'payment' ? paymentKey.alg : 'ES256',
      publicKeyJwk: key.publicJwk,
      ...(await attestor(key, challengeBytes)),
    })),
  );
  const registered = expectStatus(
    await registryCall(endpoints, 'POST', '/enrolment/keys', {
      enrolmentCode: code,
      challenge: challenge.body['challenge'],
      keys,
    }),
    200,
    'key registration',
  );
  if (registered.body['outcome'] !== 'registered')
    throw new Error(`the keys were not registered: ${JSON.stringify(registered.body)}`);
  const [paymentKeyId, bindingKeyId] = (registered.body['keys'] as Array<{ keyId: string }>).map(
    (key) => key.keyId,
  ) as [string, string];
  if (paymentKeyId !== Buffer.from(paymentKey.keyId).toString('base64url'))
    throw new Error(`the registry names the payment key ${paymentKeyId}, not its thumbprint`);
  let states: unknown[] = [];
  await waitUntil(
    async () => {
      states = await Promise.all(
        [paymentKeyId, bindingKeyId].map(
          async (keyId) =>
            (await registryAdmin(endpoints, 'GET', `/admin/keys/${keyId}`)).body['state'],
        ),
      );
      if (states.includes('rejected'))
        throw new Error(
          `the verifier rejected the attestation of key ${paymentKeyId} or ${bindingKeyId} (states ${JSON.stringify(states)})`,
        );
      return states.every((state) => state === 'active');
    },
    kafkaWaitMs,
    () => `keys ${paymentKeyId}, ${bindingKeyId} active (last seen ${JSON.stringify(states)})`,
  );
  return { paymentKeyId, bindingKeyId };
}

/** Starts the session, retried while the issuer's projection has not caught up with the registry. */
export async function startSession(session: DeviceSession): Promise<void> {
  const notYetProjected = new Set(['KEY_UNKNOWN', 'KEY_NOT_ACTIVE', 'SUBJECT_UNKNOWN']);
  let lastRefusal: DeviceSessionError | undefined;
  await waitUntil(
    async () => {
      try {
        await session.start();
        return true;
      } catch (error) {
        if (!isDeviceSessionError(error) || !notYetProjected.has(error.problemCode ?? ''))
          throw error;
        lastRefusal = error;
        return false;
      }
    },
    kafkaWaitMs,
    () => `session start (last refusal: ${String(lastRefusal?.message)})`,
  );
}

/**
 * A POST to the registry on a new bound connection, repeated while the registry's guard (which reads
 * binding-key states about once a second) does not know the key yet (401), bounded by its stated delay.
 */
export async function boundPost(
  session: DeviceSession,
  endpoint: TlsEndpoint,
  path: string,
): Promise<HttpAnswer> {
  const once = async (): Promise<HttpAnswer> => {
    const connection = await session.connect(endpoint);
    try {
      const answer = await session.send(connection, {
        method: 'POST',
        path,
        url: `https://localhost:${endpoint.port}${path}`,
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
    () => `${path} accepted once the registry's guard knows the key (last: ${answer.status})`,
  );
  return answer;
}

/** What a device trusts offline, fetched over TLS with its own (not yet started) session: credential and receipt keys. */
export async function fetchTrust(
  endpoints: Endpoints,
  session: DeviceSession,
): Promise<ProcessorTrust> {
  const credentialKeys = await fetchCredentialKeys(session, { registry: endpoints.registry });
  const receiptKeys = await fetchReceiptKeys(session, { verifier: endpoints.verifier });
  return { credentialKeys, receiptKeys, algorithms: ['ES256'], backend: 'native' };
}
