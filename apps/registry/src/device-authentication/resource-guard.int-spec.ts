// The registry's device-facing routes behind the production resource guard, on the real PostgreSQL,
// Kafka and TLS 1.3: devices and terminals enrolled through the registry (their binding key the one a
// test token issuer binds tokens to, activated by attestation.completed) check in and fetch terminal
// credentials with bound tokens; a binding replayed from another connection, another device's token,
// the wrong role and a revoked binding key are refused; over plain HTTP token-binding mode fails closed.
import { type PrincipalRole } from '@settle/contracts';
import { verifyDeviceCredential, protocolPublicKey } from '@settle/protocol';
import { revocationDelayMsStated } from '@settle/resource-guard';
import {
  createTestBindingKey,
  createTestTokenIssuer,
  type TestBindingKey,
} from '@settle/resource-guard/testing';
import { createTokenBindingMessage } from '@settle/token-binding';
import {
  attestationCompleted,
  deviceKeys,
  type RegistryTestKit,
  startRegistry,
  uniqueId,
  waitFor,
} from '../testing/registry-test-kit';

const limit = { currency: 'EUR', perTransactionMax: '5000', cumulativeMax: '15000' };

interface Enrolled {
  readonly subject: string;
  readonly owner: string;
  readonly role: PrincipalRole;
  readonly bindingKey: TestBindingKey;
  readonly paymentKeyId: string;
}

const issuer = createTestTokenIssuer({ issuer: 'urn:settle:token-issuer:test' });
const tokenOf = (
  enrolled: Enrolled,
  bindingKey = enrolled.bindingKey,
  overrides: { sub?: string; owner?: string; role?: PrincipalRole } = {},
) =>
  issuer.tokenFor(bindingKey, {
    sub: enrolled.subject,
    owner: enrolled.owner,
    role: enrolled.role,
    ...overrides,
  });

async function activateKeys(kit: RegistryTestKit, keyIds: readonly string[]): Promise<void> {
  for (const keyId of keyIds) {
    const [row] = await kit.query<{ r: string }>(
      'SELECT attestation_request_id AS r FROM registry_keys WHERE key_id = $1',
      [keyId],
    );
    await kit.publish(attestationCompleted({ requestId: row!.r, keyId }));
  }
  for (const keyId of keyIds)
    await waitFor(
      async () => (await kit.admin('GET', `/admin/keys/${keyId}`)).body.state === 'active',
      30_000,
      `key ${keyId} active`,
    );
}

/** Registers a payment key and `bindingKey` with the code (for `deviceId` when given) and activates both. */
async function enrolKeys(
  kit: RegistryTestKit,
  code: string,
  deviceId: string | undefined,
  bindingKey: TestBindingKey,
): Promise<string> {
  const challenge = await kit.device('POST', '/enrolment/challenges', {
    enrolmentCode: code,
    ...(deviceId ? { deviceId } : {}),
  });
  expect(challenge.status).toBe(201);
  const registered = await kit.device('POST', '/enrolment/keys', {
    enrolmentCode: code,
    challenge: challenge.body.challenge,
    keys: deviceKeys(bindingKey.publicJwk),
  });
  expect(registered.status).toBe(200);
  const keys = registered.body.keys as Array<{ keyId: string; purpose: string }>;
  expect(keys.find((key) => key.purpose === 'binding')!.keyId).toBe(bindingKey.keyId);
  await activateKeys(
    kit,
    keys.map((key) => key.keyId),
  );
  return keys.find((key) => key.purpose === 'payment')!.keyId;
}

async function enrolDevice(kit: RegistryTestKit): Promise<Enrolled> {
  const owner = uniqueId('acc');
  const subject = uniqueId('dev');
  await kit.admin('POST', '/admin/accounts', {
    accountId: owner,
    holderDisplayName: 'Holder',
    currency: 'EUR',
  });
  await kit.admin('POST', '/admin/devices', {
    deviceId: subject,
    accountId: owner,
    platform: 'android',
  });
  expect(
    (await kit.admin('PUT', `/admin/devices/${subject}/offline-limits`, { limits: [limit] }))
      .status,
  ).toBe(200);
  const code = String(
    (
      await kit.admin('POST', '/admin/enrolment-codes', {
        subject: { kind: 'device', id: subject },
      })
    ).body.code,
  );
  const bindingKey = createTestBindingKey();
  const paymentKeyId = await enrolKeys(kit, code, subject, bindingKey);
  const enrolled: Enrolled = { subject, owner, role: 'consumer-device', bindingKey, paymentKeyId };
  await untilAuthenticated(kit, enrolled);
  return enrolled;
}

async function enrolTerminal(kit: RegistryTestKit): Promise<Enrolled> {
  const owner = uniqueId('mer');
  const subject = uniqueId('ter');
  await kit.admin('POST', '/admin/merchants', {
    merchantId: owner,
    displayName: 'Café Olé',
    categoryCode: '5411',
    settlementCurrency: 'EUR',
    timeZone: 'Europe/Zurich',
  });
  await kit.admin('POST', '/admin/terminals', { terminalId: subject, merchantId: owner });
  const code = String(
    (
      await kit.admin('POST', '/admin/enrolment-codes', {
        subject: { kind: 'terminal', id: subject },
      })
    ).body.code,
  );
  const bindingKey = createTestBindingKey();
  const paymentKeyId = await enrolKeys(kit, code, undefined, bindingKey);
  const enrolled: Enrolled = { subject, owner, role: 'pos-terminal', bindingKey, paymentKeyId };
  await untilAuthenticated(kit, enrolled);
  return enrolled;
}

/**
 * Waits until the registry's guard sees the binding key active (its snapshot refreshes every second),
 * probing a route of the other role: 403 ROLE_NOT_ALLOWED once authenticated, and nothing changes.
 */
async function untilAuthenticated(kit: RegistryTestKit, enrolled: Enrolled): Promise<void> {
  const path =
    enrolled.role === 'consumer-device'
      ? '/v1/terminals/ter_probe/credential'
      : '/v1/devices/dev_probe/check-ins';
  const token = await tokenOf(enrolled);
  const startedAt = Date.now();
  await waitFor(
    async () =>
      (await kit.bound({ method: 'POST', path, accessToken: token, binding: enrolled.bindingKey }))
        .status === 403,
    revocationDelayMsStated,
    'binding key active for the guard',
  );
  expect(Date.now() - startedAt).toBeLessThan(revocationDelayMsStated);
}

const problem = (body: string) => JSON.parse(body) as { code?: string; detail?: string };

describe('device authentication through the resource guard (TLS 1.3, bound tokens)', () => {
  let kit: RegistryTestKit;

  beforeAll(async () => {
    kit = await startRegistry({}, { guard: { tokenIssuer: issuer } });
  });

  afterAll(async () => {
    await kit?.stop();
  });

  const checkIn = (device: Enrolled, path = `/v1/devices/${device.subject}/check-ins`) => ({
    method: 'POST',
    path,
  });

  it('checks an enrolled device in with its bound token: 201 and a device credential that verifies', async () => {
    const device = await enrolDevice(kit);
    const answer = await kit.bound({
      ...checkIn(device),
      accessToken: await tokenOf(device),
      binding: device.bindingKey,
    });
    expect(answer.status).toBe(201);
    const body = JSON.parse(answer.body) as Record<string, unknown>;
    expect(body).toMatchObject({
      paymentKeyId: device.paymentKeyId,
      offlineCaps: [limit],
      deviceCredential: expect.any(String),
    });

    const keys = JSON.parse((await kit.bound({ path: '/v1/credential-keys' })).body) as {
      keys: Array<{ kty: 'EC'; crv: 'P-256'; x: string; y: string }>;
    };
    const verified = verifyDeviceCredential(
      new Uint8Array(Buffer.from(String(body.deviceCredential), 'base64url')),
      {
        processorKeys: keys.keys.map(({ kty, crv, x, y }) => protocolPublicKey({ kty, crv, x, y })),
        algorithms: ['ES256'],
        backend: 'native',
      },
    );
    expect(verified).toMatchObject({
      ok: true,
      value: { credential: { deviceId: device.subject } },
    });
  });

  it('answers 401 UNAUTHORIZED with the guard’s challenge without a token, without a binding, or with an untrusted token', async () => {
    const device = await enrolDevice(kit);
    const none = await kit.bound(checkIn(device));
    expect(none.status).toBe(401);
    expect(problem(none.body).code).toBe('UNAUTHORIZED');
    expect(none.headers['www-authenticate']).toMatch(/^Bearer realm="settle"/);

    const unbound = await kit.bound({ ...checkIn(device), accessToken: await tokenOf(device) });
    expect(unbound.status).toBe(401);
    expect(unbound.headers['www-authenticate']).toContain('error="invalid_token"');

    const stranger = createTestTokenIssuer({ issuer: issuer.issuer });
    const untrusted = await kit.bound({
      ...checkIn(device),
      accessToken: await stranger.tokenFor(device.bindingKey, {
        sub: device.subject,
        owner: device.owner,
      }),
      binding: device.bindingKey,
    });
    expect(untrusted.status).toBe(401);
  });

  it('refuses a binding copied from another connection (401)', async () => {
    const device = await enrolDevice(kit);
    const token = await tokenOf(device);
    let copied = '';
    const original = await kit.bound({
      ...checkIn(device),
      accessToken: token,
      binding: (ekm) =>
        (copied = createTokenBindingMessage({
          privateJwk: device.bindingKey.privateJwk,
          ekm,
          backend: 'native',
        }).header),
    });
    expect(original.status).toBe(201);
    const replayed = await kit.bound({
      ...checkIn(device),
      accessToken: token,
      binding: () => copied,
    });
    expect(replayed.clientPort).not.toBe(original.clientPort);
    expect(replayed.status).toBe(401);
    expect(problem(replayed.body)).toMatchObject({
      code: 'UNAUTHORIZED',
      detail: expect.stringContaining('does not verify on this connection'),
    });
  });

  it('refuses another device’s token (403 NOT_THIS_DEVICE), and a token bound to another device’s key (401)', async () => {
    const device = await enrolDevice(kit);
    const other = await enrolDevice(kit);
    const asOther = await kit.bound({
      ...checkIn(device),
      accessToken: await tokenOf(other),
      binding: other.bindingKey,
    });
    expect(asOther.status).toBe(403);
    expect(problem(asOther.body).code).toBe('NOT_THIS_DEVICE');

    const otherOwner = await kit.bound({
      ...checkIn(device),
      accessToken: await tokenOf(device, device.bindingKey, { owner: uniqueId('acc') }),
      binding: device.bindingKey,
    });
    expect(otherOwner.status).toBe(403);
    expect(problem(otherOwner.body).code).toBe('NOT_THIS_DEVICE');

    // Both keys are active, but the one this token names is the other device's.
    const borrowedKey = await kit.bound({
      ...checkIn(device),
      accessToken: await tokenOf(device, other.bindingKey),
      binding: other.bindingKey,
    });
    expect(borrowedKey.status).toBe(401);
    expect(problem(borrowedKey.body).detail).toContain('not the caller’s own');
    expect(
      await kit.query('SELECT 1 FROM registry_device_check_ins WHERE device_id = ANY($1)', [
        [device.subject, other.subject],
      ]),
    ).toEqual([]);
  });

  it('rejects the token of a device whose binding key is revoked, within the stated delay', async () => {
    const device = await enrolDevice(kit);
    const token = await tokenOf(device);
    expect(
      (await kit.bound({ ...checkIn(device), accessToken: token, binding: device.bindingKey }))
        .status,
    ).toBe(201);

    expect(
      (
        await kit.admin('POST', `/admin/keys/${device.bindingKey.keyId}/revoke`, {
          reason: 'compromised',
        })
      ).status,
    ).toBe(200);
    const revokedAt = Date.now();
    let answer = await kit.bound({
      ...checkIn(device),
      accessToken: token,
      binding: device.bindingKey,
    });
    while (answer.status !== 401 && Date.now() - revokedAt < revocationDelayMsStated + 2_000) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      answer = await kit.bound({
        ...checkIn(device),
        accessToken: token,
        binding: device.bindingKey,
      });
    }
    expect(answer.status).toBe(401);
    expect(Date.now() - revokedAt).toBeLessThan(revocationDelayMsStated);
    expect(answer.headers['www-authenticate']).toContain('error="invalid_token"');
    expect(problem(answer.body).detail).toContain('not active');
  });

  it('issues a terminal credential for a pos-terminal token (200), not for a consumer-device token (403)', async () => {
    const terminal = await enrolTerminal(kit);
    const device = await enrolDevice(kit);
    const path = `/v1/terminals/${terminal.subject}/credential`;
    const issued = await kit.bound({
      method: 'POST',
      path,
      accessToken: await tokenOf(terminal),
      binding: terminal.bindingKey,
    });
    expect(issued.status).toBe(200);
    expect(JSON.parse(issued.body)).toMatchObject({
      terminalKeyId: terminal.paymentKeyId,
      terminalCredential: expect.any(String),
    });

    const asDevice = await kit.bound({
      method: 'POST',
      path,
      accessToken: await tokenOf(device),
      binding: device.bindingKey,
    });
    expect(asDevice.status).toBe(403);
    expect(problem(asDevice.body).code).toBe('ROLE_NOT_ALLOWED');
  });
});

describe('token-binding mode over plain HTTP', () => {
  let kit: RegistryTestKit;

  beforeAll(async () => {
    kit = await startRegistry({}, { guard: { tokenIssuer: issuer, tls: false } });
  });

  afterAll(async () => {
    await kit?.stop();
  });

  it('fails closed: a valid token with a binding header is refused (401), the service keeps answering', async () => {
    const bindingKey = createTestBindingKey();
    const token = await issuer.tokenFor(bindingKey, { sub: 'dev_plain', owner: 'acc_plain' });
    const binding = createTokenBindingMessage({
      privateJwk: bindingKey.privateJwk,
      ekm: new Uint8Array(32),
      backend: 'native',
    }).header;
    const response = await fetch(`${kit.test.url}/v1/devices/dev_plain/check-ins`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'sec-token-binding': binding },
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({
      code: 'UNAUTHORIZED',
      detail: expect.stringContaining('TLS 1.3'),
    });
    expect((await fetch(`${kit.test.url}/health/live`)).status).toBe(200);
  });
});
