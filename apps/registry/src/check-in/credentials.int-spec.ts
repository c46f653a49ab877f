// Credentials end to end on the real PostgreSQL and Kafka: the registry publishes its credential keys,
// a terminal with an active key obtains a terminal credential that verifies with them, a device checks
// in and obtains a device credential (caps, check-in time) while the check-in is recorded and
// published as device.checked-in; refusals store and publish nothing; a rotation of the credential key
// signs new credentials with the new key while the old one stays published. Callers authenticate
// through the kit's test authenticator (what the routes decide); the production resource guard in
// front of the same routes is tested in device-authentication/resource-guard.int-spec.ts.
import { readFileSync } from 'node:fs';
import { type AttestationLevel, type DeviceCheckedInV1 } from '@settle/contracts';
import {
  type ProtocolPublicKey,
  protocolPublicKey,
  protocolIdentifierLengthMaxBytes,
  verifyDeviceCredential,
  verifyTerminalCredential,
} from '@settle/protocol';
import { createKeyCustodyDocument, type KeyCustodyDocument } from '@settle/key-custody';
import {
  attestationCompleted,
  deviceAuthorization,
  deviceKeys,
  type RegistryTestKit,
  startRegistry,
  uniqueId,
  waitFor,
} from '../testing/registry-test-kit';

const limit = { currency: 'EUR', perTransactionMax: '5000', cumulativeMax: '15000' };

describe('credentials and check-ins', () => {
  let kit: RegistryTestKit;

  beforeAll(async () => {
    kit = await startRegistry();
  });

  afterAll(async () => {
    await kit?.stop();
  });

  async function processorKeys(): Promise<ProtocolPublicKey[]> {
    const answer = await kit.device('GET', '/v1/credential-keys');
    expect(answer.status).toBe(200);
    return (answer.body.keys as Array<{ kty: 'EC'; crv: 'P-256'; x: string; y: string }>).map(
      ({ kty, crv, x, y }) => protocolPublicKey({ kty, crv, x, y }),
    );
  }
  const verifyOptions = async () => ({
    processorKeys: await processorKeys(),
    algorithms: ['ES256'] as const,
    backend: 'native' as const,
  });
  const fromBase64url = (text: unknown) => new Uint8Array(Buffer.from(String(text), 'base64url'));

  /** Registers keys for the code's subject (the device when given) and returns the payment key id; attested when `activate`. */
  async function enrolKeys(
    code: string,
    deviceId: string | undefined,
    activate: boolean,
    level: AttestationLevel = 'strongbox',
  ): Promise<string> {
    const challenge = await kit.device('POST', '/enrolment/challenges', {
      enrolmentCode: code,
      ...(deviceId ? { deviceId } : {}),
    });
    const registered = await kit.device('POST', '/enrolment/keys', {
      enrolmentCode: code,
      challenge: challenge.body.challenge,
      keys: deviceKeys(),
    });
    expect(registered.status).toBe(200);
    const paymentKeyId = (registered.body.keys as Array<{ keyId: string; purpose: string }>).find(
      (key) => key.purpose === 'payment',
    )!.keyId;
    if (activate) {
      const [row] = await kit.query<{ attestation_request_id: string }>(
        'SELECT attestation_request_id FROM registry_keys WHERE key_id = $1',
        [paymentKeyId],
      );
      await kit.publish(
        attestationCompleted({
          requestId: row!.attestation_request_id,
          keyId: paymentKeyId,
          level,
        }),
      );
      await waitFor(
        async () => (await kit.admin('GET', `/admin/keys/${paymentKeyId}`)).body.state === 'active',
        30_000,
        'payment key active',
      );
    }
    return paymentKeyId;
  }

  async function deviceWithActiveKey(
    limits = [limit],
    level: AttestationLevel = 'strongbox',
  ): Promise<{
    accountId: string;
    deviceId: string;
    paymentKeyId: string;
    as: { role: 'consumer-device'; subject: string; owner: string };
  }> {
    const accountId = uniqueId('acc');
    const deviceId = uniqueId('dev');
    await kit.admin('POST', '/admin/accounts', {
      accountId,
      holderDisplayName: 'Holder',
      currency: 'EUR',
    });
    await kit.admin('POST', '/admin/devices', { deviceId, accountId, platform: 'android' });
    expect(
      (await kit.admin('PUT', `/admin/devices/${deviceId}/offline-limits`, { limits })).status,
    ).toBe(200);
    const code = String(
      (
        await kit.admin('POST', '/admin/enrolment-codes', {
          subject: { kind: 'device', id: deviceId },
        })
      ).body.code,
    );
    const paymentKeyId = await enrolKeys(code, deviceId, true, level);
    return {
      accountId,
      deviceId,
      paymentKeyId,
      as: { role: 'consumer-device', subject: deviceId, owner: accountId },
    };
  }

  const checkIns = (deviceId: string) =>
    kit.published
      .filter((event) => event.type === 'device.checked-in' && event.key === deviceId)
      .map((event) => event.payload as DeviceCheckedInV1);
  const storedCheckIns = async (deviceId: string) =>
    (
      await kit.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM registry_device_check_ins WHERE device_id = $1',
        [deviceId],
      )
    )[0]!.n;

  it('publishes the credential-signing key as a JWK Set', async () => {
    const answer = await kit.device('GET', '/v1/credential-keys');
    expect(answer).toMatchObject({
      status: 200,
      body: {
        keys: [
          {
            kty: 'EC',
            crv: 'P-256',
            alg: 'ES256',
            use: 'sig',
            kid: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
          },
        ],
      },
    });
    const [published] = await processorKeys();
    expect(Buffer.from(published!.keyId).toString('base64url')).toBe(
      (answer.body.keys as Array<{ kid: string }>)[0]!.kid,
    );
  });

  it('issues a terminal credential once the terminal’s key is active, only to that terminal', async () => {
    const merchantId = uniqueId('mer');
    const terminalId = uniqueId('ter');
    await kit.admin('POST', '/admin/merchants', {
      merchantId,
      displayName: 'Café Olé',
      categoryCode: '5411',
      settlementCurrency: 'EUR',
      timeZone: 'Europe/Zurich',
    });
    await kit.admin('POST', '/admin/terminals', { terminalId, merchantId });
    const as = { role: 'pos-terminal' as const, subject: terminalId, owner: merchantId };
    const path = `/v1/terminals/${terminalId}/credential`;
    const code = String(
      (
        await kit.admin('POST', '/admin/enrolment-codes', {
          subject: { kind: 'terminal', id: terminalId },
        })
      ).body.code,
    );

    expect(await kit.device('POST', path, undefined, as)).toMatchObject({
      status: 409,
      body: { code: 'TERMINAL_KEY_NOT_ACTIVE' },
    });
    const terminalKeyId = await enrolKeys(code, undefined, false);
    expect(await kit.device('POST', path, undefined, as)).toMatchObject({
      status: 409,
      body: { code: 'TERMINAL_KEY_NOT_ACTIVE' },
    });
    await kit.publish(
      attestationCompleted({
        requestId: (
          await kit.query<{ r: string }>(
            'SELECT attestation_request_id AS r FROM registry_keys WHERE key_id = $1',
            [terminalKeyId],
          )
        )[0]!.r,
        keyId: terminalKeyId,
      }),
    );
    await waitFor(
      async () => (await kit.admin('GET', `/admin/keys/${terminalKeyId}`)).body.state === 'active',
      30_000,
      'terminal key active',
    );

    expect(await kit.device('POST', path)).toMatchObject({
      status: 401,
      body: { code: 'UNAUTHORIZED' },
    });
    expect(
      await kit.device('POST', path, undefined, { ...as, subject: uniqueId('ter') }),
    ).toMatchObject({ status: 403, body: { code: 'NOT_THIS_DEVICE' } });
    expect(
      await kit.device('POST', path, undefined, { ...as, owner: uniqueId('mer') }),
    ).toMatchObject({ status: 403, body: { code: 'NOT_THIS_DEVICE' } });
    expect(
      await kit.device('POST', path, undefined, { ...as, role: 'consumer-device' }),
    ).toMatchObject({ status: 403, body: { code: 'ROLE_NOT_ALLOWED' } });

    const issued = await kit.device('POST', path, undefined, as);
    expect(issued).toMatchObject({
      status: 200,
      body: {
        terminalKeyId,
        issuerKeyId: expect.any(String),
        validFrom: expect.any(String),
        validUntil: expect.any(String),
      },
    });
    const verified = verifyTerminalCredential(
      fromBase64url(issued.body.terminalCredential),
      await verifyOptions(),
    );
    expect(verified).toMatchObject({
      ok: true,
      value: {
        credential: {
          merchantId,
          merchantDisplayName: 'Café Olé',
          terminalId,
          validFromMs: Date.parse(String(issued.body.validFrom)),
        },
      },
    });
    expect(
      verified.ok && Buffer.from(verified.value.credential.terminalKey.keyId).toString('base64url'),
    ).toBe(terminalKeyId);
    expect(verified.ok && Buffer.from(verified.value.issuerKeyId).toString('base64url')).toBe(
      issued.body.issuerKeyId,
    );
    expect(
      verified.ok && verified.value.credential.validUntilMs - verified.value.credential.validFromMs,
    ).toBe(30 * 24 * 3_600_000);
  });

  it('gives a key attested below the offline levels no offline allowance: no device credential, no terminal credential, nothing recorded (issue 13 §1)', async () => {
    // The verifier's policy accepted a software key (a web wallet, a development policy); the
    // registry's default SETTLE_REGISTRY_OFFLINE_ATTESTATION_LEVELS lists hardware levels only.
    const { deviceId, paymentKeyId, as } = await deviceWithActiveKey([limit], 'software');
    expect((await kit.admin('GET', `/admin/keys/${paymentKeyId}`)).body).toMatchObject({
      state: 'active',
    });
    const refused = await kit.device('POST', `/v1/devices/${deviceId}/check-ins`, undefined, as);
    expect(refused).toMatchObject({
      status: 409,
      body: {
        code: 'ATTESTATION_LEVEL_NOT_OFFLINE',
        errors: [{ field: 'deviceId', code: 'ATTESTATION_LEVEL_NOT_OFFLINE' }],
      },
    });
    expect(await storedCheckIns(deviceId)).toBe(0);

    const merchantId = uniqueId('mer');
    const terminalId = uniqueId('ter');
    await kit.admin('POST', '/admin/merchants', {
      merchantId,
      displayName: 'Kiosk',
      categoryCode: '5411',
      settlementCurrency: 'EUR',
      timeZone: 'UTC',
    });
    await kit.admin('POST', '/admin/terminals', { terminalId, merchantId });
    const code = String(
      (
        await kit.admin('POST', '/admin/enrolment-codes', {
          subject: { kind: 'terminal', id: terminalId },
        })
      ).body.code,
    );
    await enrolKeys(code, undefined, true, 'software');
    const terminal = await kit.device('POST', `/v1/terminals/${terminalId}/credential`, undefined, {
      role: 'pos-terminal',
      subject: terminalId,
      owner: merchantId,
    });
    expect(terminal).toMatchObject({
      status: 409,
      body: { code: 'ATTESTATION_LEVEL_NOT_OFFLINE', errors: [{ field: 'terminalId' }] },
    });

    // A hardware-attested device of the same registry still checks in; nothing was published for the refused one.
    const hardware = await deviceWithActiveKey([limit], 'tee');
    expect(
      await kit.device(
        'POST',
        `/v1/devices/${hardware.deviceId}/check-ins`,
        undefined,
        hardware.as,
      ),
    ).toMatchObject({ status: 201 });
    await waitFor(
      () => checkIns(hardware.deviceId).length === 1,
      30_000,
      'the hardware device’s check-in published',
    );
    expect(checkIns(deviceId)).toEqual([]);
  });

  it('checks a device in: a device credential that verifies, carries the caps and the check-in time; recorded and published', async () => {
    const { accountId, deviceId, paymentKeyId, as } = await deviceWithActiveKey([
      limit,
      { currency: 'CHF', perTransactionMax: '2000', cumulativeMax: '4000' },
    ]);
    const first = await kit.device('POST', `/v1/devices/${deviceId}/check-ins`, undefined, as);
    expect(first).toMatchObject({
      status: 201,
      body: {
        paymentKeyId,
        offlineCaps: [{ currency: 'CHF', perTransactionMax: '2000', cumulativeMax: '4000' }, limit],
        checkedInAt: expect.any(String),
        validUntil: expect.any(String),
      },
    });
    const checkedInAtMs = Date.parse(String(first.body.checkedInAt));
    expect(Math.abs(checkedInAtMs - Date.now())).toBeLessThan(60_000);
    const verified = verifyDeviceCredential(
      fromBase64url(first.body.deviceCredential),
      await verifyOptions(),
    );
    expect(verified).toMatchObject({
      ok: true,
      value: {
        credential: {
          deviceId,
          checkedInAtMs,
          validUntilMs: checkedInAtMs + 24 * 3_600_000,
          offlineCaps: [
            { currency: 'CHF', perTransactionMax: 2000n, cumulativeMax: 4000n },
            { currency: 'EUR', perTransactionMax: 5000n, cumulativeMax: 15000n },
          ],
        },
      },
    });
    expect(
      verified.ok && Buffer.from(verified.value.credential.paymentKey.keyId).toString('base64url'),
    ).toBe(paymentKeyId);

    const second = await kit.device('POST', `/v1/devices/${deviceId}/check-ins`, undefined, as);
    expect(second.status).toBe(201);
    expect(await storedCheckIns(deviceId)).toBe(2);
    expect((await kit.admin('GET', `/admin/devices/${deviceId}/offline`)).body).toMatchObject({
      lastCheckInAt: second.body.checkedInAt,
    });
    await waitFor(() => checkIns(deviceId).length === 2, 30_000, 'device.checked-in events');
    expect(checkIns(deviceId)[1]).toEqual({
      deviceId,
      accountId,
      lastCheckInAt: second.body.checkedInAt,
      history: [first, second].map((answer) => ({
        checkedInAt: answer.body.checkedInAt,
        validUntil: answer.body.validUntil,
        paymentKeyId,
        offlineCaps: answer.body.offlineCaps,
      })),
    });
  });

  it('refuses without authentication, for another device, with a suspended key or offline capability — storing and publishing nothing', async () => {
    const { deviceId, paymentKeyId, as } = await deviceWithActiveKey();
    const path = `/v1/devices/${deviceId}/check-ins`;
    expect(await kit.device('POST', path)).toMatchObject({
      status: 401,
      body: { code: 'UNAUTHORIZED' },
    });
    expect(
      await kit.device('POST', path, undefined, { ...as, subject: uniqueId('dev') }),
    ).toMatchObject({
      status: 403,
      body: { code: 'NOT_THIS_DEVICE', errors: [{ field: 'deviceId' }] },
    });
    expect(
      await kit.device('POST', path, undefined, { ...as, owner: uniqueId('acc') }),
    ).toMatchObject({ status: 403, body: { code: 'NOT_THIS_DEVICE' } });
    expect(
      await kit.device('POST', path, undefined, { ...as, role: 'pos-terminal' }),
    ).toMatchObject({ status: 403, body: { code: 'ROLE_NOT_ALLOWED' } });

    await kit.admin('POST', `/admin/keys/${paymentKeyId}/suspend`, { reason: 'device-lost' });
    expect(await kit.device('POST', path, undefined, as)).toMatchObject({
      status: 409,
      body: { code: 'PAYMENT_KEY_NOT_ACTIVE' },
    });
    await kit.admin('POST', `/admin/keys/${paymentKeyId}/reactivate`);
    await kit.admin('PUT', `/admin/devices/${deviceId}/offline-capability`, {
      capability: 'suspended',
    });
    expect(await kit.device('POST', path, undefined, as)).toMatchObject({
      status: 409,
      body: { code: 'OFFLINE_CAPABILITY_SUSPENDED' },
    });
    await kit.admin('PUT', `/admin/devices/${deviceId}/offline-capability`, {
      capability: 'enabled',
    });
    await kit.admin('PUT', `/admin/devices/${deviceId}/offline-limits`, { limits: [] });
    expect(await kit.device('POST', path, undefined, as)).toMatchObject({
      status: 409,
      body: { code: 'NO_OFFLINE_LIMITS' },
    });
    expect(await storedCheckIns(deviceId)).toBe(0);

    // The first accepted check-in is the first event: none of the refusals published anything.
    await kit.admin('PUT', `/admin/devices/${deviceId}/offline-limits`, { limits: [limit] });
    expect((await kit.device('POST', path, undefined, as)).status).toBe(201);
    await waitFor(() => checkIns(deviceId).length === 1, 30_000, 'device.checked-in');
    expect(checkIns(deviceId)[0]!.history).toHaveLength(1);
  });

  /** A device call with a body of the caller's choosing (kit.device only sends JSON). */
  const postRaw = async (
    path: string,
    as: Parameters<typeof deviceAuthorization>[0],
    headers: Record<string, string>,
    body: string,
  ) => {
    const response = await fetch(`${kit.test.url}${path}`, {
      method: 'POST',
      headers: { authorization: deviceAuthorization(as), ...headers },
      body,
    });
    return {
      status: response.status,
      retryAfter: response.headers.get('retry-after'),
      body: (await response.json()) as Record<string, unknown>,
    };
  };

  it('takes no input: refuses text, XML, deep or large JSON and unknown fields before signing, storing or publishing anything', async () => {
    const { deviceId, as } = await deviceWithActiveKey();
    const path = `/v1/devices/${deviceId}/check-ins`;
    const deepJson = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    expect(await postRaw(path, as, { 'content-type': 'text/plain' }, 'hello')).toMatchObject({
      status: 415,
      body: { code: 'UNSUPPORTED_MEDIA_TYPE', errors: [{ field: 'body' }] },
    });
    expect(await postRaw(path, as, { 'content-type': 'application/xml' }, '<a/>')).toMatchObject({
      status: 415,
      body: { code: 'UNSUPPORTED_MEDIA_TYPE' },
    });
    expect(await postRaw(path, as, { 'content-type': 'application/json' }, deepJson)).toMatchObject(
      { status: 413, body: { code: 'PAYLOAD_TOO_LARGE', errors: [{ field: 'body' }] } },
    );
    expect(
      await postRaw(path, as, { 'content-type': 'application/json' }, '[[[[]]]]'),
    ).toMatchObject({
      status: 400,
      body: { code: 'VALIDATION_FAILED', errors: [{ field: 'body' }] },
    });
    expect(
      await postRaw(path, as, { 'content-type': 'application/json' }, '{"offlineCaps":[]}'),
    ).toMatchObject({
      status: 400,
      body: { errors: [{ field: 'offlineCaps', code: 'UNKNOWN_FIELD' }] },
    });
    expect(await storedCheckIns(deviceId)).toBe(0);
    expect(checkIns(deviceId)).toEqual([]);

    expect((await postRaw(path, as, { 'content-type': 'application/json' }, '{}')).status).toBe(
      201,
    );
    expect((await kit.device('POST', path, undefined, as)).status).toBe(201);
    expect(await storedCheckIns(deviceId)).toBe(2);
    const terminal = {
      role: 'pos-terminal' as const,
      subject: uniqueId('ter'),
      owner: uniqueId('mer'),
    };
    expect(
      await postRaw(
        `/v1/terminals/${terminal.subject}/credential`,
        terminal,
        { 'content-type': 'text/xml' },
        '<a/>',
      ),
    ).toMatchObject({ status: 415 });
  });

  /** At 2 per minute a token comes back every 30 s: the wait is what is left of that, in whole seconds (less when the burst took long). */
  const expectNextTokenWithin30s = (retryAfter: string | null) => {
    expect(retryAfter).toMatch(/^\d+$/);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(retryAfter)).toBeLessThanOrEqual(30);
  };

  it('limits check-ins per device and terminal credentials per terminal: 429 with Retry-After once the burst is spent, other devices unaffected', async () => {
    const burst = 10; // SETTLE_REGISTRY_DEVICE_CREDENTIAL_BURST's default, at 2 per minute
    const { deviceId, as } = await deviceWithActiveKey();
    const path = `/v1/devices/${deviceId}/check-ins`;
    for (let call = 0; call < burst; call += 1)
      expect((await kit.device('POST', path, undefined, as)).status).toBe(201);
    const limited = await postRaw(path, as, {}, '');
    expect(limited).toMatchObject({
      status: 429,
      body: { code: 'RATE_LIMITED', errors: [{ field: 'deviceId', code: 'RATE_LIMITED' }] },
    });
    expectNextTokenWithin30s(limited.retryAfter);
    expect(await storedCheckIns(deviceId)).toBe(burst);
    const other = await deviceWithActiveKey();
    expect(
      (await kit.device('POST', `/v1/devices/${other.deviceId}/check-ins`, undefined, other.as))
        .status,
    ).toBe(201);

    // Refused issuances count too: each one still reads the terminal and its key.
    const terminal = {
      role: 'pos-terminal' as const,
      subject: uniqueId('ter'),
      owner: uniqueId('mer'),
    };
    const terminalPath = `/v1/terminals/${terminal.subject}/credential`;
    for (let call = 0; call < burst; call += 1)
      expect((await kit.device('POST', terminalPath, undefined, terminal)).status).toBe(404);
    const terminalLimited = await postRaw(terminalPath, terminal, {}, '');
    expect(terminalLimited).toMatchObject({
      status: 429,
      body: { code: 'RATE_LIMITED', errors: [{ field: 'terminalId' }] },
    });
    expectNextTokenWithin30s(terminalLimited.retryAfter);
  });

  it('refuses ids longer than the protocol allows for merchants, terminals and devices', async () => {
    const long = `dev_${'x'.repeat(protocolIdentifierLengthMaxBytes - 3)}`;
    const accountId = uniqueId('acc');
    await kit.admin('POST', '/admin/accounts', {
      accountId,
      holderDisplayName: 'Holder',
      currency: 'EUR',
    });
    expect(
      await kit.admin('POST', '/admin/devices', { deviceId: long, accountId, platform: 'android' }),
    ).toMatchObject({ status: 400, body: { errors: [{ field: 'deviceId' }] } });
    expect(
      await kit.admin('POST', '/admin/merchants', {
        merchantId: long,
        displayName: 'Shop',
        categoryCode: '5411',
        settlementCurrency: 'EUR',
        timeZone: 'UTC',
      }),
    ).toMatchObject({
      status: 400,
      body: { errors: [{ field: 'merchantId' }] },
    });
    expect(
      await kit.admin('POST', '/admin/terminals', { terminalId: long, merchantId: 'mer_x' }),
    ).toMatchObject({ status: 400, body: { errors: [{ field: 'terminalId' }] } });
    expect(
      (
        await kit.admin('POST', '/admin/devices', {
          deviceId: long.slice(0, protocolIdentifierLengthMaxBytes),
          accountId,
          platform: 'android',
        })
      ).status,
    ).toBe(200);
  });

  // Last: it changes the custody file the other tests sign with.
  it('rotates the credential key: new credentials signed by the new key, the old key still published', async () => {
    const { deviceId, as } = await deviceWithActiveKey();
    const path = `/v1/devices/${deviceId}/check-ins`;
    const before = await kit.device('POST', path, undefined, as);
    const oldKid = String(before.body.issuerKeyId);
    const [oldKey] = (JSON.parse(readFileSync(kit.custodyFile, 'utf8')) as KeyCustodyDocument).keys;

    // A successor that activates in an hour is published ahead, but does not sign yet.
    const next = createKeyCustodyDocument(['credential-signing'], new Date(Date.now() + 3_600_000))
      .keys[0]!;
    kit.writeCustody({ keys: [oldKey!, next] });
    expect((await kit.device('GET', '/v1/credential-keys')).body.keys).toHaveLength(2);
    expect((await kit.device('POST', path, undefined, as)).body.issuerKeyId).toBe(oldKid);

    // Only a key that is not active yet: nothing can be signed, nothing is recorded.
    const stored = await storedCheckIns(deviceId);
    kit.writeCustody({ keys: [next] });
    expect(await kit.device('POST', path, undefined, as)).toMatchObject({
      status: 503,
      body: { code: 'CREDENTIAL_KEY_UNAVAILABLE' },
    });
    expect(await storedCheckIns(deviceId)).toBe(stored);

    // The successor takes over: it signs, and the old key stays published while its credentials are valid.
    const successor = {
      ...createKeyCustodyDocument(['credential-signing'], new Date(Date.now() - 1_000)).keys[0]!,
    };
    kit.writeCustody({ keys: [oldKey!, successor] });
    const after = await kit.device('POST', path, undefined, as);
    expect(after.status).toBe(201);
    expect(after.body.issuerKeyId).not.toBe(oldKid);
    const published = (
      (await kit.device('GET', '/v1/credential-keys')).body.keys as Array<{ kid: string }>
    ).map((key) => key.kid);
    expect(published).toEqual(expect.arrayContaining([oldKid, String(after.body.issuerKeyId)]));
    const options = await verifyOptions();
    for (const answer of [before, after]) {
      const verified = verifyDeviceCredential(fromBase64url(answer.body.deviceCredential), options);
      expect(verified.ok && Buffer.from(verified.value.issuerKeyId).toString('base64url')).toBe(
        answer.body.issuerKeyId,
      );
    }
    const [row] = await kit.query<{ credential_key_id: string }>(
      'SELECT credential_key_id FROM registry_device_check_ins WHERE device_id = $1 ORDER BY checked_in_at DESC LIMIT 1',
      [deviceId],
    );
    expect(row!.credential_key_id).toBe(after.body.issuerKeyId);
  });
});
