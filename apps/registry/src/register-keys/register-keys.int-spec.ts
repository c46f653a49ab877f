// Enrolment end to end on the real PostgreSQL and Kafka: an enrolment code obtains challenges (limited),
// the two keys are registered against a challenge (consumed once, the code with it), a retry is
// answered the same, keys stay pending until the verifier's attestation.completed arrives on its topic,
// operators suspend and revoke keys, and the ledger's account.overdrawn suspends offline capability.
import { type KeyLifecycleChangedV1 } from '@settle/contracts';
import { generateKeyPair } from '@settle/crypto';
import {
  accountBackInFunds,
  accountOverdrawn,
  attestationCompleted,
  deviceKeys,
  type HttpAnswer,
  type RegistryTestKit,
  startRegistry,
  uniqueId,
  waitFor,
} from '../testing/registry-test-kit';

describe('enrolment', () => {
  let kit: RegistryTestKit;

  beforeAll(async () => {
    kit = await startRegistry({ SETTLE_REGISTRY_CHALLENGES_PER_CODE_MAX: '3' });
  });

  afterAll(async () => {
    await kit?.stop();
  });

  async function accountWithDevice(
    platform = 'android',
  ): Promise<{ accountId: string; deviceId: string; code: string }> {
    const accountId = uniqueId('acc');
    const deviceId = uniqueId('dev');
    await kit.admin('POST', '/admin/accounts', {
      accountId,
      holderDisplayName: 'Holder',
      currency: 'EUR',
    });
    await kit.admin('POST', '/admin/devices', { deviceId, accountId, platform });
    const issued = await kit.admin('POST', '/admin/enrolment-codes', {
      subject: { kind: 'device', id: deviceId },
    });
    return { accountId, deviceId, code: String(issued.body.code) };
  }

  async function enrol(): Promise<{
    accountId: string;
    deviceId: string;
    keyIds: { payment: string; binding: string };
    requests: Map<string, string>;
  }> {
    const { accountId, deviceId, code } = await accountWithDevice();
    const challenge = await kit.device('POST', '/enrolment/challenges', {
      enrolmentCode: code,
      deviceId,
    });
    const registered = await kit.device('POST', '/enrolment/keys', {
      enrolmentCode: code,
      challenge: challenge.body.challenge,
      keys: deviceKeys(),
    });
    expect(registered.status).toBe(200);
    const keys = registered.body.keys as Array<{ keyId: string; purpose: 'payment' | 'binding' }>;
    const keyIds = {
      payment: keys.find((key) => key.purpose === 'payment')!.keyId,
      binding: keys.find((key) => key.purpose === 'binding')!.keyId,
    };
    const rows = await kit.query<{ key_id: string; attestation_request_id: string }>(
      'SELECT key_id, attestation_request_id FROM registry_keys WHERE owner_id = $1',
      [deviceId],
    );
    return {
      accountId,
      deviceId,
      keyIds,
      requests: new Map(rows.map((row) => [row.key_id, row.attestation_request_id])),
    };
  }

  const lifecycle = (keyId: string) =>
    kit.published
      .filter((event) => event.type === 'key.lifecycle-changed' && event.key === keyId)
      .map((event) => event.payload as KeyLifecycleChangedV1);

  it('registers both keys pending against a challenge and asks for attestation under the device’s registered platform', async () => {
    // Registered as an iPhone, the device declares android-key evidence: the request names ios (issue 13 §1).
    const { accountId, deviceId, code } = await accountWithDevice('ios');
    const challenge = await kit.device('POST', '/enrolment/challenges', {
      enrolmentCode: code,
      deviceId,
    });
    expect(challenge).toMatchObject({
      status: 201,
      body: {
        challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        owner: { kind: 'device', id: deviceId },
      },
    });
    const keys = deviceKeys();
    const body = { enrolmentCode: code, challenge: challenge.body.challenge, keys };
    const registered = await kit.device('POST', '/enrolment/keys', body);
    expect(registered).toMatchObject({
      status: 200,
      body: {
        outcome: 'registered',
        owner: { kind: 'device', id: deviceId },
        keys: [
          { purpose: 'payment', state: 'pending' },
          { purpose: 'binding', state: 'pending' },
        ],
      },
    });

    // The same registration again: the same answer, nothing new.
    const again = await kit.device('POST', '/enrolment/keys', body);
    expect(again).toMatchObject({
      status: 200,
      body: { outcome: 'duplicate', owner: registered.body.owner, keys: registered.body.keys },
    });
    // The same keys with a different challenge, or other keys with the consumed challenge: conflicts.
    expect(
      await kit.device('POST', '/enrolment/keys', { ...body, keys: [keys[0], deviceKeys()[1]] }),
    ).toMatchObject({ status: 409, body: { code: 'KEY_ALREADY_REGISTERED' } });
    expect(
      await kit.device('POST', '/enrolment/keys', { ...body, keys: deviceKeys() }),
    ).toMatchObject({
      status: 409,
      body: { code: 'ENROLMENT_CODE_USED', errors: [{ field: 'enrolmentCode' }] },
    });
    // The code was consumed with the challenge: it obtains nothing more.
    expect(
      await kit.device('POST', '/enrolment/challenges', { enrolmentCode: code, deviceId }),
    ).toMatchObject({ status: 409, body: { code: 'ENROLMENT_CODE_USED' } });

    const keyIds = (registered.body.keys as Array<{ keyId: string }>).map((key) => key.keyId);
    await waitFor(
      () =>
        kit.published.filter(
          (event) => event.type === 'attestation.requested' && keyIds.includes(event.key),
        ).length === 2,
      30_000,
      'attestation requests',
    );
    const requests = kit.published.filter(
      (event) => event.type === 'attestation.requested' && keyIds.includes(event.key),
    );
    expect(requests.map((event) => event.payload)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          challenge: challenge.body.challenge,
          owner: { kind: 'device', id: deviceId },
          registeredClass: 'ios',
          purpose: 'payment',
          format: 'android-key',
          evidence: keys[0]!.evidence,
        }),
      ]),
    );
    expect(requests.map((event) => event.version)).toEqual([2, 2]);
    await waitFor(
      () => keyIds.every((keyId) => lifecycle(keyId).length === 1),
      30_000,
      'lifecycle events',
    );
    expect(lifecycle(keyIds[0]!)[0]).toMatchObject({
      state: 'pending',
      history: [{ state: 'pending', validTo: null }],
    });
    expect(accountId).toBeDefined();
  });

  it('binds an enrolment code to the one device it was issued for, and an operator can revoke it (issue 13 §1)', async () => {
    const { accountId, deviceId, code } = await accountWithDevice();
    const sibling = uniqueId('dev');
    expect(
      await kit.admin('POST', '/admin/devices', {
        deviceId: sibling,
        accountId,
        platform: 'android',
      }),
    ).toMatchObject({ status: 200 });
    // A code for the account as a whole is no longer issued: it could enrol any of its devices.
    expect(
      await kit.admin('POST', '/admin/enrolment-codes', {
        subject: { kind: 'account', id: accountId },
      }),
    ).toMatchObject({
      status: 400,
      body: { code: 'VALIDATION_FAILED', errors: [{ field: 'subject.kind' }] },
    });
    expect(
      await kit.admin('POST', '/admin/enrolment-codes', {
        subject: { kind: 'device', id: 'dev_nope' },
      }),
    ).toMatchObject({ status: 404, body: { errors: [{ field: 'subject.id' }] } });
    // The code of device X obtains no challenge for device Y of the same account; without a device id
    // its challenge is for X.
    expect(
      await kit.device('POST', '/enrolment/challenges', { enrolmentCode: code, deviceId: sibling }),
    ).toMatchObject({
      status: 422,
      body: { code: 'ENROLMENT_CODE_NOT_FOR_DEVICE', errors: [{ field: 'deviceId' }] },
    });
    const challenge = await kit.device('POST', '/enrolment/challenges', { enrolmentCode: code });
    expect(challenge).toMatchObject({
      status: 201,
      body: { owner: { kind: 'device', id: deviceId } },
    });
    expect(
      await kit.query('SELECT owner_id FROM registry_challenges WHERE owner_id = $1', [sibling]),
    ).toEqual([]);

    // An operator revokes the code: the challenge it already obtained registers nothing, and it obtains no other.
    const other = await kit.admin('POST', '/admin/enrolment-codes', {
      subject: { kind: 'device', id: sibling },
    });
    expect(other).toMatchObject({
      status: 201,
      body: {
        codeId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        subject: { kind: 'device', id: sibling },
      },
    });
    const siblingChallenge = await kit.device('POST', '/enrolment/challenges', {
      enrolmentCode: other.body.code,
    });
    const revoked = await kit.admin(
      'POST',
      `/admin/enrolment-codes/${String(other.body.codeId)}/revoke`,
    );
    expect(revoked).toMatchObject({
      status: 200,
      body: { outcome: 'revoked', codeId: other.body.codeId, revokedAt: expect.any(String) },
    });
    expect(
      await kit.admin('POST', `/admin/enrolment-codes/${String(other.body.codeId)}/revoke`),
    ).toMatchObject({
      status: 200,
      body: { outcome: 'unchanged', revokedAt: revoked.body.revokedAt },
    });
    const refused = await kit.device('POST', '/enrolment/keys', {
      enrolmentCode: other.body.code,
      challenge: siblingChallenge.body.challenge,
      keys: deviceKeys(),
    });
    expect(refused).toMatchObject({
      status: 410,
      body: { code: 'ENROLMENT_CODE_REVOKED', errors: [{ field: 'enrolmentCode' }] },
    });
    expect(
      await kit.device('POST', '/enrolment/challenges', { enrolmentCode: other.body.code }),
    ).toMatchObject({ status: 410, body: { code: 'ENROLMENT_CODE_REVOKED' } });
    expect(
      await kit.query('SELECT key_id FROM registry_keys WHERE owner_id = $1', [sibling]),
    ).toEqual([]);
    const [row] = await kit.query<{ revoked_by: string }>(
      'SELECT revoked_by FROM registry_enrolment_codes WHERE code_id = $1',
      [other.body.codeId],
    );
    expect(row!.revoked_by).toBe('test-operator');
    // Audited like every admin route: who revoked which code.
    const audit = await kit.query<{ operator_id: string; outcome_status: number }>(
      'SELECT operator_id, outcome_status FROM admin_audit_log WHERE action = $1 AND path LIKE $2 ORDER BY id',
      ['registry.admin.enrolment-code.revoke', `%${String(other.body.codeId)}%`],
    );
    expect(audit).toEqual([
      { operator_id: 'test-operator', outcome_status: 200 },
      { operator_id: 'test-operator', outcome_status: 200 },
    ]);

    // A code already used to register keys cannot be revoked (revoke its keys instead); unknown and malformed ids are named.
    expect(
      await kit.device('POST', '/enrolment/keys', {
        enrolmentCode: code,
        challenge: challenge.body.challenge,
        keys: deviceKeys(),
      }),
    ).toMatchObject({ status: 200 });
    const [used] = await kit.query<{ code_id: string }>(
      'SELECT code_id::text FROM registry_enrolment_codes WHERE subject_id = $1',
      [deviceId],
    );
    expect(await kit.admin('POST', `/admin/enrolment-codes/${used!.code_id}/revoke`)).toMatchObject(
      { status: 409, body: { code: 'ENROLMENT_CODE_USED', errors: [{ field: 'codeId' }] } },
    );
    expect(
      await kit.admin(
        'POST',
        `/admin/enrolment-codes/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}/revoke`,
      ),
    ).toMatchObject({ status: 404, body: { errors: [{ field: 'codeId' }] } });
    expect(await kit.admin('POST', '/admin/enrolment-codes/not-a-code/revoke')).toMatchObject({
      status: 400,
      body: { code: 'VALIDATION_FAILED' },
    });
  });

  it('refuses a public key whose point is not on its curve, naming the field, and stores nothing for it', async () => {
    const { deviceId, code } = await accountWithDevice();
    const challenge = await kit.device('POST', '/enrolment/challenges', {
      enrolmentCode: code,
      deviceId,
    });
    const keys = deviceKeys();
    const jwk = keys[1]!.publicKeyJwk as { x: string; y: string };
    const y = Buffer.from(jwk.y, 'base64url');
    y[31]! ^= 1;
    const offCurve = [
      keys[0]!,
      { ...keys[1]!, publicKeyJwk: { ...jwk, y: y.toString('base64url') } },
    ];
    const refused = await kit.device('POST', '/enrolment/keys', {
      enrolmentCode: code,
      challenge: challenge.body.challenge,
      keys: offCurve,
    });
    expect(refused).toMatchObject({
      status: 400,
      body: { errors: [{ field: 'keys[1].publicKeyJwk' }] },
    });
    expect(
      await kit.query('SELECT key_id FROM registry_keys WHERE owner_id = $1', [deviceId]),
    ).toEqual([]);
    // A private member is refused by the schema, before anything is read.
    const leaked = await kit.device('POST', '/enrolment/keys', {
      enrolmentCode: code,
      challenge: challenge.body.challenge,
      keys: [{ ...keys[0]!, publicKeyJwk: generateKeyPair('ES256').privateJwk }, keys[1]!],
    });
    expect(leaked).toMatchObject({
      status: 400,
      body: {
        errors: expect.arrayContaining([
          expect.objectContaining({ field: 'keys[0].publicKeyJwk.d' }),
        ]),
      },
    });
    expect(
      await kit.query('SELECT key_id FROM registry_keys WHERE owner_id = $1', [deviceId]),
    ).toEqual([]);
    // The challenge and the code are still usable: the device sends its real keys, stored as the
    // members that define them.
    expect(
      await kit.device('POST', '/enrolment/keys', {
        enrolmentCode: code,
        challenge: challenge.body.challenge,
        keys,
      }),
    ).toMatchObject({ status: 200, body: { outcome: 'registered' } });
    const stored = await kit.query<{ public_key_jwk: Record<string, unknown> }>(
      'SELECT public_key_jwk FROM registry_keys WHERE owner_id = $1',
      [deviceId],
    );
    expect(stored.map((row) => Object.keys(row.public_key_jwk).sort())).toEqual([
      ['crv', 'kty', 'x', 'y'],
      ['crv', 'kty', 'x', 'y'],
    ]);
  });

  it('enrols a terminal with a terminal’s code, and rotates its keys once the keys it enrols again are active', async () => {
    const merchantId = uniqueId('mer');
    const terminalId = uniqueId('ter');
    await kit.admin('POST', '/admin/merchants', {
      merchantId,
      displayName: 'Shop',
      categoryCode: '5411',
      settlementCurrency: 'EUR',
      timeZone: 'UTC',
    });
    await kit.admin('POST', '/admin/terminals', { terminalId, merchantId });
    const enrolTerminal = async () => {
      const code = String(
        (
          await kit.admin('POST', '/admin/enrolment-codes', {
            subject: { kind: 'terminal', id: terminalId },
          })
        ).body.code,
      );
      const challenge = await kit.device('POST', '/enrolment/challenges', { enrolmentCode: code });
      expect(challenge.body.owner).toEqual({ kind: 'terminal', id: terminalId });
      const registered = await kit.device('POST', '/enrolment/keys', {
        enrolmentCode: code,
        challenge: challenge.body.challenge,
        keys: deviceKeys(),
      });
      return (registered.body.keys as Array<{ keyId: string; purpose: string }>).find(
        (key) => key.purpose === 'payment',
      )!.keyId;
    };
    const first = await enrolTerminal();
    await waitFor(
      () =>
        kit.published.some(
          (event) => event.type === 'attestation.requested' && event.key === first,
        ),
      30_000,
      'the terminal’s attestation request',
    );
    expect(
      kit.published.find((event) => event.type === 'attestation.requested' && event.key === first)!
        .payload,
    ).toMatchObject({ owner: { kind: 'terminal', id: terminalId }, registeredClass: 'terminal' });
    const [row] = await kit.query<{ attestation_request_id: string }>(
      'SELECT attestation_request_id FROM registry_keys WHERE key_id = $1',
      [first],
    );
    await kit.publish(
      attestationCompleted({ requestId: row!.attestation_request_id, keyId: first }),
    );
    await waitFor(
      () => lifecycle(first).some((key) => key.state === 'active'),
      30_000,
      'terminal key active',
    );
    const second = await enrolTerminal();
    expect((await kit.admin('GET', `/admin/keys/${first}`)).body).toMatchObject({
      state: 'active',
    });
    expect((await kit.admin('GET', `/admin/keys/${second}`)).body).toMatchObject({
      state: 'pending',
    });
    const [secondRow] = await kit.query<{ attestation_request_id: string }>(
      'SELECT attestation_request_id FROM registry_keys WHERE key_id = $1',
      [second],
    );
    await kit.publish(
      attestationCompleted({ requestId: secondRow!.attestation_request_id, keyId: second }),
    );
    await waitFor(
      () => lifecycle(first).some((key) => key.state === 'rotated'),
      30_000,
      'rotation published',
    );
    expect((await kit.admin('GET', `/admin/keys/${first}`)).body).toMatchObject({
      owner: { kind: 'terminal', id: terminalId },
      state: 'rotated',
      history: [
        { state: 'pending' },
        { state: 'active' },
        { state: 'rotated', reason: 'superseded' },
      ],
    });
    expect((await kit.admin('GET', `/admin/keys/${second}`)).body).toMatchObject({
      state: 'active',
    });
  });

  it('keeps a device’s keys in use while its new keys are pending or rejected, and retires them only once the new ones are active (issue 13 §1)', async () => {
    const { accountId, deviceId, keyIds: old, requests } = await enrol();
    expect(
      (
        await kit.admin('PUT', `/admin/devices/${deviceId}/offline-limits`, {
          limits: [{ currency: 'EUR', perTransactionMax: '5000', cumulativeMax: '15000' }],
        })
      ).status,
    ).toBe(200);
    const accept = async (keyId: string, requestId: string) =>
      kit.publish(attestationCompleted({ requestId, keyId }));
    await accept(old.payment, requests.get(old.payment)!);
    await accept(old.binding, requests.get(old.binding)!);
    await waitFor(
      () =>
        [old.payment, old.binding].every((keyId) =>
          lifecycle(keyId).some((key) => key.state === 'active'),
        ),
      30_000,
      'first keys active',
    );
    const as = { role: 'consumer-device' as const, subject: deviceId, owner: accountId };
    const state = async (keyId: string) =>
      (await kit.admin('GET', `/admin/keys/${keyId}`)).body.state;
    const reEnrol = async () => {
      const code = (
        await kit.admin('POST', '/admin/enrolment-codes', {
          subject: { kind: 'device', id: deviceId },
        })
      ).body.code;
      const challenge = await kit.device('POST', '/enrolment/challenges', { enrolmentCode: code });
      const registered = await kit.device('POST', '/enrolment/keys', {
        enrolmentCode: code,
        challenge: challenge.body.challenge,
        keys: deviceKeys(),
      });
      expect(registered).toMatchObject({ status: 200, body: { outcome: 'registered' } });
      const keys = registered.body.keys as Array<{ keyId: string; purpose: 'payment' | 'binding' }>;
      const rows = await kit.query<{ key_id: string; attestation_request_id: string }>(
        'SELECT key_id, attestation_request_id FROM registry_keys WHERE key_id = ANY($1)',
        [keys.map((key) => key.keyId)],
      );
      return {
        keys: Object.fromEntries(keys.map((key) => [key.purpose, key.keyId])) as Record<
          'payment' | 'binding',
          string
        >,
        requests: new Map(rows.map((row) => [row.key_id, row.attestation_request_id])),
      };
    };

    // Re-enrolled, attestation pending: the keys in use stay active and the device still checks in with its old payment key.
    const pending = await reEnrol();
    expect([
      await state(old.payment),
      await state(old.binding),
      await state(pending.keys.payment),
    ]).toEqual(['active', 'active', 'pending']);
    expect(
      await kit.device('POST', `/v1/devices/${deviceId}/check-ins`, undefined, as),
    ).toMatchObject({ status: 201, body: { paymentKeyId: old.payment } });
    // The verifier rejects the new keys: the old ones are still in use.
    for (const purpose of ['payment', 'binding'] as const) {
      await kit.publish(
        attestationCompleted({
          requestId: pending.requests.get(pending.keys[purpose])!,
          keyId: pending.keys[purpose],
          verdict: 'rejected',
          reasonCode: 'ROOT_NOT_TRUSTED',
          level: null,
        }),
      );
    }
    await waitFor(
      () =>
        lifecycle(pending.keys.payment).some((key) => key.state === 'rejected') &&
        lifecycle(pending.keys.binding).some((key) => key.state === 'rejected'),
      30_000,
      'rejections applied',
    );
    expect([await state(old.payment), await state(old.binding)]).toEqual(['active', 'active']);
    expect(
      await kit.device('POST', `/v1/devices/${deviceId}/check-ins`, undefined, as),
    ).toMatchObject({ status: 201, body: { paymentKeyId: old.payment } });

    // Re-enrolled again and accepted: each new key retires the old key of its purpose as it becomes active.
    const accepted = await reEnrol();
    await accept(accepted.keys.payment, accepted.requests.get(accepted.keys.payment)!);
    await waitFor(
      () => lifecycle(old.payment).some((key) => key.state === 'rotated'),
      30_000,
      'old payment key rotated',
    );
    expect([
      await state(old.payment),
      await state(old.binding),
      await state(accepted.keys.payment),
      await state(accepted.keys.binding),
    ]).toEqual(['rotated', 'active', 'active', 'pending']);
    expect(
      await kit.device('POST', `/v1/devices/${deviceId}/check-ins`, undefined, as),
    ).toMatchObject({ status: 201, body: { paymentKeyId: accepted.keys.payment } });
    await accept(accepted.keys.binding, accepted.requests.get(accepted.keys.binding)!);
    await waitFor(
      () => lifecycle(old.binding).some((key) => key.state === 'rotated'),
      30_000,
      'old binding key rotated',
    );
    expect((await kit.admin('GET', `/admin/keys/${old.binding}`)).body).toMatchObject({
      history: [
        { state: 'pending' },
        { state: 'active' },
        { state: 'rotated', reason: 'superseded' },
      ],
    });
    const inUse = await kit.query<{ key_id: string }>(
      `SELECT key_id FROM registry_keys WHERE owner_id = $1 AND state IN ('active', 'suspended') ORDER BY purpose`,
      [deviceId],
    );
    expect(inUse.map((row) => row.key_id)).toEqual([accepted.keys.binding, accepted.keys.payment]);
    expect(kit.deadLetters).toEqual([]);
  });

  it('consumes a challenge once, refuses unknown codes, and limits challenges per code', async () => {
    const { deviceId, code } = await accountWithDevice();
    const challenges: HttpAnswer[] = [];
    for (let attempt = 0; attempt < 3; attempt += 1)
      challenges.push(
        await kit.device('POST', '/enrolment/challenges', { enrolmentCode: code, deviceId }),
      );
    expect(challenges.map((answer) => answer.status)).toEqual([201, 201, 201]);
    expect(
      await kit.device('POST', '/enrolment/challenges', { enrolmentCode: code, deviceId }),
    ).toMatchObject({ status: 429, body: { code: 'CHALLENGE_LIMIT_REACHED' } });
    expect(
      await kit.device('POST', '/enrolment/challenges', {
        enrolmentCode: 'A'.repeat(22),
        deviceId,
      }),
    ).toMatchObject({ status: 404, body: { code: 'ENROLMENT_CODE_UNKNOWN' } });

    // Two registrations race for one challenge: exactly one wins.
    const racing = await Promise.all(
      [0, 1].map(() =>
        kit.device('POST', '/enrolment/keys', {
          enrolmentCode: code,
          challenge: challenges[0]!.body.challenge,
          keys: deviceKeys(),
        }),
      ),
    );
    expect(racing.map((answer) => answer.status).sort()).toEqual([200, 409]);
    expect(
      await kit.device('POST', '/enrolment/keys', {
        enrolmentCode: code,
        challenge: 'B'.repeat(43),
        keys: deviceKeys(),
      }),
    ).toMatchObject({ status: 409 });
    const consumed = await kit.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM registry_challenges WHERE owner_id = $1 AND consumed_at IS NOT NULL',
      [deviceId],
    );
    expect(consumed[0]!.n).toBe(1);
  });

  it('activates or rejects keys on attestation.completed, and operators suspend and revoke them', async () => {
    const { deviceId, keyIds, requests } = await enrol();
    await kit.publish(
      attestationCompleted({ requestId: requests.get(keyIds.payment)!, keyId: keyIds.payment }),
    );
    await kit.publish(
      attestationCompleted({
        requestId: requests.get(keyIds.binding)!,
        keyId: keyIds.binding,
        verdict: 'rejected',
        reasonCode: 'ROOT_NOT_TRUSTED',
        level: null,
      }),
    );
    await waitFor(
      () =>
        lifecycle(keyIds.payment).some((key) => key.state === 'active') &&
        lifecycle(keyIds.binding).some((key) => key.state === 'rejected'),
      30_000,
      'verdicts applied',
    );
    expect(lifecycle(keyIds.binding).at(-1)).toMatchObject({
      state: 'rejected',
      history: [
        { state: 'pending' },
        { state: 'rejected', reason: 'attestation-rejected', validTo: null },
      ],
    });

    // A redelivered verdict changes nothing.
    await kit.publish(
      attestationCompleted({ requestId: requests.get(keyIds.payment)!, keyId: keyIds.payment }),
    );
    expect(
      await kit.admin('POST', `/admin/keys/${keyIds.payment}/suspend`, { reason: 'device-lost' }),
    ).toMatchObject({ status: 200, body: { outcome: 'changed', key: { state: 'suspended' } } });
    expect(await kit.admin('POST', `/admin/keys/${keyIds.payment}/reactivate`)).toMatchObject({
      status: 200,
      body: { key: { state: 'active' } },
    });
    expect(
      await kit.admin('POST', `/admin/keys/${keyIds.payment}/revoke`, { reason: 'compromised' }),
    ).toMatchObject({ status: 200, body: { key: { state: 'revoked' } } });
    expect(await kit.admin('POST', `/admin/keys/${keyIds.payment}/reactivate`)).toMatchObject({
      status: 409,
      body: { code: 'KEY_STATE_FINAL' },
    });
    expect(
      await kit.admin('POST', `/admin/keys/${keyIds.binding}/suspend`, { reason: 'nonsense' }),
    ).toMatchObject({ status: 400, body: { errors: [{ field: 'reason' }] } });

    await waitFor(
      () => lifecycle(keyIds.payment).some((key) => key.state === 'revoked'),
      30_000,
      'revocation published',
    );
    // The device's payment key went suspended, active, revoked: its offline capability followed.
    const offline = () =>
      kit.published
        .filter(
          (event) => event.type === 'device.offline-capability-changed' && event.key === deviceId,
        )
        .map((event) => event.payload as { capability: string; reason: string });
    await waitFor(() => offline().length === 4, 30_000, 'offline events of the key changes');
    expect(offline().map(({ capability, reason }) => [capability, reason])).toEqual([
      ['enabled', 'enrolled'],
      ['suspended', 'key-suspended'],
      ['enabled', 'operator-action'],
      ['suspended', 'key-revoked'],
    ]);
    const last = lifecycle(keyIds.payment).at(-1)!;
    expect(last.history.map((period) => [period.state, period.reason])).toEqual([
      ['pending', null],
      ['active', null],
      ['suspended', 'device-lost'],
      ['active', null],
      ['revoked', 'compromised'],
    ]);
    expect(lifecycle(keyIds.payment).filter((key) => key.state === 'active')).toHaveLength(2);
    expect((await kit.admin('GET', `/admin/keys/${keyIds.payment}`)).body).toEqual(last);
    expect(kit.deadLetters).toEqual([]);
  });

  it('still revokes a key with a long history of suspensions, once more changes are refused (issue 13 §3)', async () => {
    const { keyIds, requests } = await enrol();
    await kit.publish(
      attestationCompleted({ requestId: requests.get(keyIds.payment)!, keyId: keyIds.payment }),
    );
    await waitFor(
      async () => (await kit.admin('GET', `/admin/keys/${keyIds.payment}`)).body.state === 'active',
      30_000,
      'payment key active',
    );
    const changes: HttpAnswer[] = [];
    for (let change = 0; change < 64; change += 1) {
      const answer =
        change % 2 === 0
          ? await kit.admin('POST', `/admin/keys/${keyIds.payment}/suspend`, {
              reason: 'operator-action',
            })
          : await kit.admin('POST', `/admin/keys/${keyIds.payment}/reactivate`);
      changes.push(answer);
      if (answer.status !== 200) break;
    }
    expect(changes.at(-1)).toMatchObject({ status: 409, body: { code: 'KEY_HISTORY_FULL' } });
    const revoked = await kit.admin('POST', `/admin/keys/${keyIds.payment}/revoke`, {
      reason: 'compromised',
    });
    expect(revoked).toMatchObject({
      status: 200,
      body: { outcome: 'changed', key: { state: 'revoked' } },
    });
    expect((revoked.body.key as KeyLifecycleChangedV1).history.at(-1)).toMatchObject({
      state: 'revoked',
      reason: 'compromised',
      validTo: null,
    });
  });

  it('suspends offline capability on account.overdrawn and restores it when back in funds', async () => {
    const { accountId, deviceId } = await accountWithDevice();
    await kit.publish(accountOverdrawn(accountId));
    await waitFor(
      async () =>
        (await kit.admin('GET', `/admin/devices/${deviceId}/offline`)).body.capability ===
        'suspended',
      30_000,
      'suspension',
    );
    await kit.publish(accountBackInFunds(accountId));
    await waitFor(
      async () =>
        (await kit.admin('GET', `/admin/devices/${deviceId}/offline`)).body.capability ===
        'enabled',
      30_000,
      'restoration',
    );
    const offline = () =>
      kit.published
        .filter(
          (event) => event.type === 'device.offline-capability-changed' && event.key === deviceId,
        )
        .map((event) => event.payload as { capability: string; reason: string });
    await waitFor(() => offline().length === 3, 30_000, 'offline events');
    expect(offline()).toMatchObject([
      { capability: 'enabled', reason: 'enrolled' },
      { capability: 'suspended', reason: 'account-overdrawn' },
      { capability: 'enabled', reason: 'account-back-in-funds' },
    ]);
  });

  it('dead-letters a verdict for a key it never registered (it cannot be "not yet seen")', async () => {
    const keyId = 'Z'.repeat(42) + 'A';
    await kit.publish(
      attestationCompleted({ requestId: '00000000-0000-4000-8000-000000000000', keyId }),
    );
    await waitFor(() => kit.deadLetters.length === 1, 30_000, 'dead letter');
    expect(kit.deadLetters[0]).toMatchObject({
      reason: 'HANDLER_REJECTED',
      value: expect.stringContaining(keyId),
    });
  });
});
