// The four admin creates against a running registry on the real PostgreSQL and Kafka (open-account/,
// onboard-merchant/, register-terminal/, add-device/ — one test, since a device needs an account and a
// terminal a merchant): entities created once (duplicates answered the same, conflicts 409), their
// events published through the outbox, problem+json naming the field.
import {
  type RegistryTestKit,
  startRegistry,
  uniqueId,
  waitFor,
} from '../testing/registry-test-kit';

describe('registry admin: creating entities', () => {
  let kit: RegistryTestKit;

  beforeAll(async () => {
    kit = await startRegistry();
  });

  afterAll(async () => {
    await kit?.stop();
  });

  const published = (type: string, key: string) =>
    kit.published.filter((event) => event.type === type && event.key === key);

  it('creates merchant, terminal, account and device once each and publishes their events', async () => {
    const merchantId = uniqueId('mer');
    const terminalId = uniqueId('ter');
    const accountId = uniqueId('acc');
    const deviceId = uniqueId('dev');
    const merchant = {
      merchantId,
      displayName: 'Corner Shop',
      categoryCode: '5411',
      settlementCurrency: 'EUR',
      timeZone: 'Europe/Berlin',
    };
    expect(await kit.admin('POST', '/admin/merchants', merchant)).toMatchObject({
      status: 200,
      body: { outcome: 'created', ...merchant },
    });
    expect(await kit.admin('POST', '/admin/merchants', merchant)).toMatchObject({
      status: 200,
      body: { outcome: 'duplicate' },
    });
    expect(
      await kit.admin('POST', '/admin/merchants', { ...merchant, displayName: 'Other' }),
    ).toMatchObject({
      status: 409,
      body: { code: 'ALREADY_EXISTS_WITH_DIFFERENT_CONTENT', errors: [{ field: 'merchantId' }] },
    });
    expect(await kit.admin('POST', '/admin/terminals', { terminalId, merchantId })).toMatchObject({
      status: 200,
      body: { outcome: 'created' },
    });
    expect(
      await kit.admin('POST', '/admin/terminals', {
        terminalId: uniqueId('ter'),
        merchantId: 'mer_nope',
      }),
    ).toMatchObject({
      status: 422,
      body: { code: 'UNKNOWN_MERCHANT', errors: [{ field: 'merchantId' }] },
    });
    expect(
      await kit.admin('POST', '/admin/accounts', {
        accountId,
        holderDisplayName: 'Ada',
        currency: 'EUR',
      }),
    ).toMatchObject({ status: 200, body: { outcome: 'created' } });
    expect(
      await kit.admin('POST', '/admin/devices', { deviceId, accountId, platform: 'android' }),
    ).toMatchObject({ status: 200, body: { outcome: 'created' } });
    expect(
      await kit.admin('POST', '/admin/devices', { deviceId, accountId, platform: 'android' }),
    ).toMatchObject({ status: 200, body: { outcome: 'duplicate' } });
    expect(await kit.admin('POST', '/admin/terminals', { terminalId, merchantId })).toMatchObject({
      status: 200,
      body: { outcome: 'duplicate' },
    });
    expect(
      await kit.admin('POST', '/admin/devices', {
        deviceId: uniqueId('dev'),
        accountId: 'acc_nope',
        platform: 'ios',
      }),
    ).toMatchObject({
      status: 422,
      body: { code: 'UNKNOWN_ACCOUNT', errors: [{ field: 'accountId' }] },
    });
    expect(
      await kit.admin('POST', '/admin/devices', { deviceId, accountId, platform: 'fridge' }),
    ).toMatchObject({
      status: 400,
      body: { code: 'VALIDATION_FAILED', errors: [{ field: 'platform', code: 'NOT_ALLOWED' }] },
    });

    await waitFor(
      () => published('device.offline-capability-changed', deviceId).length === 1,
      30_000,
      'device events',
    );
    expect(published('merchant.onboarded', merchantId)).toHaveLength(1);
    expect(published('terminal.registered', terminalId)).toHaveLength(1);
    expect(published('device.enrolled', deviceId)).toHaveLength(1);
    expect(published('merchant.onboarded', merchantId)[0]!.payload).toMatchObject({
      displayName: 'Corner Shop',
      timeZone: 'Europe/Berlin',
    });
    expect(published('terminal.registered', terminalId)[0]!.payload).toMatchObject({ merchantId });
    expect(published('account.opened', accountId)[0]!.payload).toMatchObject({
      holderDisplayName: 'Ada',
      currency: 'EUR',
    });
    expect(published('device.enrolled', deviceId)[0]!.payload).toMatchObject({
      accountId,
      platform: 'android',
    });
    expect(published('device.offline-capability-changed', deviceId)[0]!.payload).toMatchObject({
      capability: 'enabled',
      reason: 'enrolled',
      limits: [],
    });
    const audit = await kit.query<{ operator_id: string }>(
      `SELECT operator_id FROM admin_audit_log WHERE action = 'registry.admin.merchant.create'`,
    );
    expect(audit.length).toBeGreaterThanOrEqual(3);
  });
});
