// Test support: merchants, terminals and phones as the registry would announce them to the verifier
// (its events, published on the kit's topics), real keys, and dual-signed offline transactions built
// with the protocol's own encoders — valid ones, and every kind of wrong one a test needs.
import { randomBytes } from 'node:crypto';
import {
  type DeviceCheckInCapV1,
  deviceCheckedInV1,
  deviceEnrolledV1,
  deviceOfflineCapabilityChangedV1,
  type KeyLifecycleChangedV1,
  keyLifecycleChangedV1,
  type KeyState,
  type KeyStatePeriodV1,
  type KeyStateReason,
  merchantOnboardedV1,
  terminalRegisteredV1,
} from '@settle/contracts';
import {
  encodeOfflineTransaction,
  encodePaymentRequest,
  type PaymentRequest,
  type ProtocolSigner,
  prepareMerchantApproval,
  signConsumerAuthorization,
  softwareSigner,
} from '@settle/protocol';
import {
  calculateJwkThumbprint,
  encodeCborDeterministic,
  generateKeyPair,
  type PublicJwk,
} from '@settle/crypto';
import { createTestBindingKey, type TestBindingKey } from '@settle/resource-guard/testing';
import { envelopeOf, type HttpAnswer, type VerifierTestKit, waitFor } from './verifier-test-kit';

const dayMs = 24 * 3_600_000;

/** A fresh protocol identifier (`[A-Za-z0-9_-]{1,24}`): `prefix_` + 12 hex characters. */
export function uniqueId(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/** A signing key as the protocol uses it (the COSE kid is its 32-byte thumbprint) and as events name it. */
export interface TestSigningKey {
  readonly signer: ProtocolSigner;
  readonly publicJwk: PublicJwk;
  /** RFC 7638 thumbprint, base64url: the events' and the tables' key id. */
  readonly keyId: string;
}

export function createSigningKey(alg: 'ES256' | 'EdDSA' = 'ES256'): TestSigningKey {
  const { privateJwk, publicJwk } = generateKeyPair(alg);
  return {
    signer: softwareSigner(privateJwk, 'native'),
    publicJwk,
    keyId: calculateJwkThumbprint(publicJwk),
  };
}

export interface TestMerchant {
  readonly merchantId: string;
  readonly categoryCode: string;
}

export interface TestTerminal {
  readonly terminalId: string;
  readonly merchantId: string;
  /** Signs merchant approvals (a key of purpose `payment` owned by the terminal). */
  readonly approvalKey: TestSigningKey;
  readonly bindingKey: TestBindingKey;
}

export interface TestDevice {
  readonly deviceId: string;
  readonly accountId: string;
  readonly paymentKey: TestSigningKey;
  readonly bindingKey: TestBindingKey;
  /** The next counter `offlineTransaction` uses when none is given. */
  nextCounter: bigint;
}

/** One period of a key's life, for {@link keyLifecycle}: a state from `at` on. */
export interface KeyPeriod {
  readonly state: KeyState;
  readonly at: Date;
  readonly reason?: KeyStateReason | null;
}

/**
 * A key.lifecycle-changed for `publicJwk` owned by `owner`: the periods in order, the last open.
 * Default: pending two days ago, active one day ago.
 */
export function keyLifecycle(
  owner: { kind: 'device' | 'terminal'; id: string },
  purpose: 'payment' | 'binding',
  publicJwk: PublicJwk,
  periods: readonly KeyPeriod[] = defaultKeyPeriods(),
): KeyLifecycleChangedV1 {
  const history: KeyStatePeriodV1[] = periods.map((period, index) => ({
    state: period.state,
    reason: period.reason ?? null,
    validFrom: period.at.toISOString(),
    validTo: periods[index + 1]?.at.toISOString() ?? null,
  }));
  return {
    keyId: calculateJwkThumbprint(publicJwk),
    owner,
    purpose,
    algorithm: publicJwk.kty === 'EC' ? 'ES256' : 'EdDSA',
    publicKeyJwk: publicJwk as KeyLifecycleChangedV1['publicKeyJwk'],
    state: periods[periods.length - 1]!.state,
    history,
  };
}

export function defaultKeyPeriods(now = Date.now()): KeyPeriod[] {
  return [
    { state: 'pending', at: new Date(now - 2 * dayMs) },
    { state: 'active', at: new Date(now - dayMs) },
  ];
}

export async function publishKey(
  kit: VerifierTestKit,
  payload: KeyLifecycleChangedV1,
): Promise<void> {
  await kit.publish(envelopeOf(keyLifecycleChangedV1, payload));
}

export async function onboardMerchant(
  kit: VerifierTestKit,
  fields: Partial<TestMerchant> = {},
): Promise<TestMerchant> {
  const merchant = {
    merchantId: fields.merchantId ?? uniqueId('mer'),
    categoryCode: fields.categoryCode ?? '5411',
  };
  await kit.publish(
    envelopeOf(merchantOnboardedV1, {
      merchantId: merchant.merchantId,
      displayName: 'Café Olé',
      categoryCode: merchant.categoryCode,
      settlementCurrency: 'EUR',
      timeZone: 'Europe/Zurich',
      onboardedAt: new Date(Date.now() - 3 * dayMs).toISOString(),
    }),
  );
  return merchant;
}

/** A terminal of `merchantId` with an active approval key and binding key (unless `approvalKeyPeriods` says otherwise). */
export async function registerTerminal(
  kit: VerifierTestKit,
  merchantId: string,
  options: { approvalKeyPeriods?: readonly KeyPeriod[] } = {},
): Promise<TestTerminal> {
  const terminal: TestTerminal = {
    terminalId: uniqueId('ter'),
    merchantId,
    approvalKey: createSigningKey(),
    bindingKey: createTestBindingKey(),
  };
  const owner = { kind: 'terminal' as const, id: terminal.terminalId };
  await kit.publish(
    envelopeOf(terminalRegisteredV1, {
      terminalId: terminal.terminalId,
      merchantId,
      registeredAt: new Date(Date.now() - 3 * dayMs).toISOString(),
    }),
  );
  await publishKey(
    kit,
    keyLifecycle(owner, 'payment', terminal.approvalKey.publicJwk, options.approvalKeyPeriods),
  );
  await publishKey(
    kit,
    keyLifecycle(owner, 'binding', terminal.bindingKey.publicJwk as unknown as PublicJwk),
  );
  return terminal;
}

/** The caps a test device checks in with unless told: EUR 50.00 per payment, 150.00 in all. */
export const testCaps: readonly DeviceCheckInCapV1[] = [
  { currency: 'EUR', perTransactionMax: '5000', cumulativeMax: '15000' },
];

/**
 * A consumer device with an active payment key and binding key, checked in an hour ago with
 * `caps` (one check-in; more with {@link checkIn}).
 */
export async function enrolDevice(
  kit: VerifierTestKit,
  options: {
    accountId?: string;
    caps?: readonly DeviceCheckInCapV1[];
    checkedInAt?: Date;
    paymentKeyPeriods?: readonly KeyPeriod[];
    paymentKeyAlg?: 'ES256' | 'EdDSA';
  } = {},
): Promise<TestDevice> {
  const device: TestDevice = {
    deviceId: uniqueId('dev'),
    accountId: options.accountId ?? uniqueId('acc'),
    paymentKey: createSigningKey(options.paymentKeyAlg ?? 'ES256'),
    bindingKey: createTestBindingKey(),
    nextCounter: 1n,
  };
  const owner = { kind: 'device' as const, id: device.deviceId };
  await kit.publish(
    envelopeOf(deviceEnrolledV1, {
      deviceId: device.deviceId,
      accountId: device.accountId,
      platform: 'android',
      enrolledAt: new Date(Date.now() - 3 * dayMs).toISOString(),
    }),
  );
  await publishKey(
    kit,
    keyLifecycle(owner, 'payment', device.paymentKey.publicJwk, options.paymentKeyPeriods),
  );
  await publishKey(
    kit,
    keyLifecycle(owner, 'binding', device.bindingKey.publicJwk as unknown as PublicJwk),
  );
  await checkIn(
    kit,
    device,
    [options.checkedInAt ?? new Date(Date.now() - 3_600_000)],
    options.caps ?? testCaps,
  );
  return device;
}

/** Publishes device.checked-in with these check-ins (oldest first), each valid for a day. */
export async function checkIn(
  kit: VerifierTestKit,
  device: TestDevice,
  checkIns: readonly Date[],
  caps: readonly DeviceCheckInCapV1[] = testCaps,
): Promise<void> {
  const history = checkIns.map((at) => ({
    checkedInAt: at.toISOString(),
    validUntil: new Date(at.getTime() + dayMs).toISOString(),
    paymentKeyId: device.paymentKey.keyId,
    offlineCaps: caps,
  }));
  await kit.publish(
    envelopeOf(deviceCheckedInV1, {
      deviceId: device.deviceId,
      accountId: device.accountId,
      lastCheckInAt: history[history.length - 1]!.checkedInAt,
      history,
    }),
  );
}

/** Publishes the device's offline capability (e.g. suspended after an overdraft) as of `changedAt`. */
export async function changeOfflineCapability(
  kit: VerifierTestKit,
  device: TestDevice,
  capability: 'enabled' | 'suspended',
  changedAt: Date,
  lastCheckInAt: Date,
): Promise<void> {
  await kit.publish(
    envelopeOf(deviceOfflineCapabilityChangedV1, {
      deviceId: device.deviceId,
      accountId: device.accountId,
      capability,
      reason: capability === 'suspended' ? 'account-overdrawn' : 'account-back-in-funds',
      limits: testCaps.map(({ currency, perTransactionMax, cumulativeMax }) => ({
        currency,
        perTransactionMax,
        cumulativeMax,
      })),
      lastCheckInAt: lastCheckInAt.toISOString(),
      changedAt: changedAt.toISOString(),
    }),
  );
}

/** What {@link offlineTransaction} builds; every field has a valid default. */
export interface TransactionInput {
  readonly amount?: bigint;
  readonly currency?: string;
  readonly counter?: bigint;
  /** Terminal's approval time (default: a minute ago). */
  readonly approvedAtMs?: number;
  readonly authorizedAtMs?: number;
  readonly createdAtMs?: number;
  readonly expiresAtMs?: number;
  readonly nonce?: Uint8Array;
  /** The request names these instead of the terminal's (a wrong-merchant or wrong-terminal payment). */
  readonly merchantId?: string;
  readonly terminalId?: string;
  /** Sign the approval with another key (e.g. another terminal's). */
  readonly approvalKey?: TestSigningKey;
}

/** The parts of a built transaction, for tests that tamper with them. */
export interface BuiltTransaction {
  readonly bytes: Uint8Array;
  readonly requestBytes: Uint8Array;
  readonly authorizationBytes: Uint8Array;
  readonly approvalBytes: Uint8Array;
  readonly request: PaymentRequest;
  readonly counter: bigint;
}

/** A dual-signed offline transaction of `device` at `terminal` (the upload unit), valid unless told otherwise. */
export function offlineTransaction(
  terminal: TestTerminal,
  device: TestDevice,
  input: TransactionInput = {},
): BuiltTransaction {
  const approvedAtMs = input.approvedAtMs ?? Date.now() - 60_000;
  const createdAtMs = input.createdAtMs ?? approvedAtMs - 20_000;
  const counter = input.counter ?? device.nextCounter;
  if (counter >= device.nextCounter) device.nextCounter = counter + 1n;
  const request: PaymentRequest = {
    merchantId: input.merchantId ?? terminal.merchantId,
    terminalId: input.terminalId ?? terminal.terminalId,
    amount: input.amount ?? 1250n,
    currency: input.currency ?? 'EUR',
    nonce: input.nonce ?? new Uint8Array(randomBytes(16)),
    createdAtMs,
    expiresAtMs: input.expiresAtMs ?? createdAtMs + 120_000,
  };
  const requestBytes = encodePaymentRequest(request);
  const authorizationBytes = signConsumerAuthorization(
    {
      requestBytes,
      deviceCounter: counter,
      authorizedAtMs: input.authorizedAtMs ?? approvedAtMs - 5_000,
    },
    device.paymentKey.signer,
  );
  const approvalSigner = (input.approvalKey ?? terminal.approvalKey).signer;
  const prepared = prepareMerchantApproval({
    authorizationBytes,
    approvedAtMs,
    alg: approvalSigner.alg,
    keyId: approvalSigner.keyId,
  });
  const approvalBytes = prepared.complete(approvalSigner.sign(prepared.toBeSigned));
  const bytes = encodeOfflineTransaction({ requestBytes, authorizationBytes, approvalBytes });
  return { bytes, requestBytes, authorizationBytes, approvalBytes, request, counter };
}

/** A bound access token for the terminal (role pos-terminal, owner its merchant). */
export function terminalToken(kit: VerifierTestKit, terminal: TestTerminal): Promise<string> {
  return kit.tokenIssuer.tokenFor(terminal.bindingKey, {
    sub: terminal.terminalId,
    owner: terminal.merchantId,
    role: 'pos-terminal',
  });
}

/** A bound access token for the phone (role consumer-device, owner its account). */
export function deviceToken(kit: VerifierTestKit, device: TestDevice): Promise<string> {
  return kit.tokenIssuer.tokenFor(device.bindingKey, {
    sub: device.deviceId,
    owner: device.accountId,
    role: 'consumer-device',
  });
}

/**
 * POST /v1/uploads as the terminal, over a new bound TLS connection: CBOR (an array of byte strings)
 * by default, or JSON (`{"transactions": [base64url, …]}`).
 */
export async function upload(
  kit: VerifierTestKit,
  terminal: TestTerminal,
  transactions: readonly Uint8Array[],
  options: { format?: 'cbor' | 'json' } = {},
): Promise<HttpAnswer> {
  const json = options.format === 'json';
  const body = json
    ? JSON.stringify({
        transactions: transactions.map((bytes) => Buffer.from(bytes).toString('base64url')),
      })
    : encodeCborDeterministic([...transactions]);
  const response = await kit.bound({
    method: 'POST',
    path: '/v1/uploads',
    accessToken: await terminalToken(kit, terminal),
    binding: terminal.bindingKey,
    headers: { 'content-type': json ? 'application/json' : 'application/cbor' },
    body,
  });
  return {
    status: response.status,
    headers: response.headers,
    body: JSON.parse(response.body || '{}') as Record<string, unknown>,
  };
}

/**
 * Waits until the verifier has projected these registry facts: the keys (by id) and, for the resource
 * guard, the binding keys active. Tests call it after publishing, before uploading.
 */
export async function untilProjected(
  kit: VerifierTestKit,
  parties: ReadonlyArray<TestTerminal | TestDevice>,
): Promise<void> {
  const keyIds = parties.flatMap((party) => [
    'approvalKey' in party ? party.approvalKey.keyId : party.paymentKey.keyId,
  ]);
  const bindingKeyIds = parties.map((party) => party.bindingKey.keyId);
  await waitFor(
    async () => {
      const keys = await kit.query<{ n: string }>(
        'SELECT count(*) AS n FROM verifier_keys WHERE key_id = ANY($1)',
        [keyIds],
      );
      const binding = await kit.query<{ n: string }>(
        'SELECT count(*) AS n FROM resource_guard_binding_keys WHERE key_id = ANY($1)',
        [bindingKeyIds],
      );
      return Number(keys[0]!.n) === keyIds.length && Number(binding[0]!.n) === bindingKeyIds.length;
    },
    30_000,
    'registry facts projected',
  );
  // The guard's snapshot refreshes every second.
  await new Promise((resolve) => setTimeout(resolve, 1_200));
}
