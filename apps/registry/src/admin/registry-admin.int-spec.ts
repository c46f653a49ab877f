// The admin API against a running registry on the real PostgreSQL and Kafka: entities created once
// (duplicates answered the same, conflicts 409), their events published through the outbox,
// problem+json naming the field, enrolment codes stored hashed, limits above the threshold needing a
// second operator, and an operator's capability suspension.
import { adminAuthorization } from '@settle/platform/testing';
import { type RegistryTestKit, secondOperator, startRegistry, uniqueId, waitFor } from '../testing/registry-test-kit';

describe('registry admin API', () => {
  let kit: RegistryTestKit;

  beforeAll(async () => {
    kit = await startRegistry({ SETTLE_REGISTRY_LIMIT_APPROVAL_THRESHOLD: '10000' });
  });

  afterAll(async () => {
    await kit?.stop();
  });

  const published = (type: string, key: string) => kit.published.filter((event) => event.type === type && event.key === key);

  it('creates merchant, terminal, account and device once each and publishes their events', async () => {
    const merchantId = uniqueId('mer');
    const terminalId = uniqueId('ter');
    const accountId = uniqueId('acc');
    const deviceId = uniqueId('dev');
    const merchant = { merchantId, displayName: 'Corner Shop', categoryCode: '5411', settlementCurrency: 'EUR', timeZone: 'Europe/Berlin' };
    expect(await kit.admin('POST', '/admin/merchants', merchant)).toMatchObject({ status: 200, body: { outcome: 'created', ...merchant } });
    expect(await kit.admin('POST', '/admin/merchants', merchant)).toMatchObject({ status: 200, body: { outcome: 'duplicate' } });
    expect(await kit.admin('POST', '/admin/merchants', { ...merchant, displayName: 'Other' })).toMatchObject({
      status: 409,
      body: { code: 'ALREADY_EXISTS_WITH_DIFFERENT_CONTENT', errors: [{ field: 'merchantId' }] },
    });
    expect(await kit.admin('POST', '/admin/terminals', { terminalId, merchantId })).toMatchObject({ status: 200, body: { outcome: 'created' } });
    expect(await kit.admin('POST', '/admin/terminals', { terminalId: uniqueId('ter'), merchantId: 'mer_nope' })).toMatchObject({
      status: 422,
      body: { code: 'UNKNOWN_MERCHANT', errors: [{ field: 'merchantId' }] },
    });
    expect(await kit.admin('POST', '/admin/accounts', { accountId, holderDisplayName: 'Ada', currency: 'EUR' })).toMatchObject({ status: 200, body: { outcome: 'created' } });
    expect(await kit.admin('POST', '/admin/devices', { deviceId, accountId, platform: 'android' })).toMatchObject({ status: 200, body: { outcome: 'created' } });
    expect(await kit.admin('POST', '/admin/devices', { deviceId, accountId, platform: 'android' })).toMatchObject({ status: 200, body: { outcome: 'duplicate' } });
    expect(await kit.admin('POST', '/admin/terminals', { terminalId, merchantId })).toMatchObject({ status: 200, body: { outcome: 'duplicate' } });
    expect(await kit.admin('POST', '/admin/devices', { deviceId: uniqueId('dev'), accountId: 'acc_nope', platform: 'ios' })).toMatchObject({
      status: 422,
      body: { code: 'UNKNOWN_ACCOUNT', errors: [{ field: 'accountId' }] },
    });
    expect(await kit.admin('POST', '/admin/devices', { deviceId, accountId, platform: 'fridge' })).toMatchObject({
      status: 400,
      body: { code: 'VALIDATION_FAILED', errors: [{ field: 'platform', code: 'NOT_ALLOWED' }] },
    });

    await waitFor(() => published('device.offline-capability-changed', deviceId).length === 1, 30_000, 'device events');
    expect(published('merchant.onboarded', merchantId)).toHaveLength(1);
    expect(published('terminal.registered', terminalId)).toHaveLength(1);
    expect(published('device.enrolled', deviceId)).toHaveLength(1);
    expect(published('merchant.onboarded', merchantId)[0]!.payload).toMatchObject({ displayName: 'Corner Shop', timeZone: 'Europe/Berlin' });
    expect(published('terminal.registered', terminalId)[0]!.payload).toMatchObject({ merchantId });
    expect(published('account.opened', accountId)[0]!.payload).toMatchObject({ holderDisplayName: 'Ada', currency: 'EUR' });
    expect(published('device.enrolled', deviceId)[0]!.payload).toMatchObject({ accountId, platform: 'android' });
    expect(published('device.offline-capability-changed', deviceId)[0]!.payload).toMatchObject({ capability: 'enabled', reason: 'enrolled', limits: [] });
    const audit = await kit.query<{ operator_id: string }>(`SELECT operator_id FROM admin_audit_log WHERE action = 'registry.admin.merchant.create'`);
    expect(audit.length).toBeGreaterThanOrEqual(3);
  });

  it('issues an enrolment code once and stores only its hash', async () => {
    const accountId = uniqueId('acc');
    await kit.admin('POST', '/admin/accounts', { accountId, holderDisplayName: 'Bo', currency: 'EUR' });
    const issued = await kit.admin('POST', '/admin/enrolment-codes', { subject: { kind: 'account', id: accountId } });
    expect(issued).toMatchObject({ status: 201, body: { code: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/), subject: { kind: 'account', id: accountId } } });
    const rows = await kit.query<{ code_hash: string }>('SELECT code_hash FROM registry_enrolment_codes WHERE subject_id = $1', [accountId]);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.code_hash).not.toContain(String(issued.body.code));
    expect(await kit.admin('POST', '/admin/enrolment-codes', { subject: { kind: 'terminal', id: 'ter_nope' } })).toMatchObject({ status: 404, body: { errors: [{ field: 'subject.id' }] } });
  });

  it('applies small limits at once and waits for a second operator above the threshold', async () => {
    const accountId = uniqueId('acc');
    const deviceId = uniqueId('dev');
    await kit.admin('POST', '/admin/accounts', { accountId, holderDisplayName: 'Cy', currency: 'EUR' });
    await kit.admin('POST', '/admin/devices', { deviceId, accountId, platform: 'ios' });
    const small = [{ currency: 'EUR', perTransactionMax: '2000', cumulativeMax: '10000' }];
    expect(await kit.admin('PUT', `/admin/devices/${deviceId}/offline-limits`, { limits: small })).toMatchObject({ status: 200, body: { outcome: 'applied', limits: small } });
    expect(await kit.admin('PUT', `/admin/devices/${deviceId}/offline-limits`, { limits: [{ currency: 'EUR', perTransactionMax: '3', cumulativeMax: '2' }] })).toMatchObject({
      status: 400,
      body: { errors: [{ field: 'limits[0].perTransactionMax' }] },
    });

    const large = [{ currency: 'EUR', perTransactionMax: '5000', cumulativeMax: '50000' }];
    const pending = await kit.admin('PUT', `/admin/devices/${deviceId}/offline-limits`, { limits: large });
    expect(pending).toMatchObject({ status: 200, body: { outcome: 'pending-approval', changeId: expect.any(String) } });
    const approvePath = `/admin/offline-limit-changes/${String(pending.body.changeId)}/approve`;
    expect(await kit.admin('POST', approvePath)).toMatchObject({ status: 403, body: { code: 'SECOND_OPERATOR_REQUIRED' } });
    expect((await kit.admin('GET', `/admin/devices/${deviceId}/offline`)).body).toMatchObject({ limits: small });
    const second = adminAuthorization(secondOperator.operatorId, secondOperator.secret);
    expect(await kit.admin('POST', approvePath, undefined, second)).toMatchObject({ status: 200, body: { outcome: 'applied', deviceId, limits: large } });
    expect(await kit.admin('POST', approvePath, undefined, second)).toMatchObject({ status: 409, body: { code: 'CHANGE_ALREADY_DECIDED' } });

    expect(await kit.admin('PUT', `/admin/devices/${deviceId}/offline-capability`, { capability: 'suspended' })).toMatchObject({ status: 200, body: { capability: 'suspended' } });
    await waitFor(() => published('device.offline-capability-changed', deviceId).length === 4, 30_000, 'offline events');
    expect(published('device.offline-capability-changed', deviceId).map((event) => (event.payload as { reason: string }).reason)).toEqual(['enrolled', 'limits-changed', 'limits-changed', 'operator-action']);
    expect(published('device.offline-capability-changed', deviceId)[3]!.payload).toMatchObject({ capability: 'suspended', limits: large });
  });
});
