// Offline limits and capability against a running registry on the real PostgreSQL and Kafka
// (set-offline-limits/, approve-limit-change/, set-offline-capability/, device-offline-state/): limits
// above the threshold need a checker other than the requester, an operator's suspension, every change
// published.
import { adminAuthorization, testChecker } from '@settle/platform/testing';
import {
  type RegistryTestKit,
  secondOperator,
  startRegistry,
  uniqueId,
  waitFor,
} from '../testing/registry-test-kit';

describe('registry admin: offline limits and capability', () => {
  let kit: RegistryTestKit;

  beforeAll(async () => {
    kit = await startRegistry({ SETTLE_REGISTRY_LIMIT_APPROVAL_THRESHOLD: '10000' });
  });

  afterAll(async () => {
    await kit?.stop();
  });

  const published = (type: string, key: string) =>
    kit.published.filter((event) => event.type === type && event.key === key);

  it('applies small limits at once and waits for a second operator above the threshold', async () => {
    const accountId = uniqueId('acc');
    const deviceId = uniqueId('dev');
    await kit.admin('POST', '/admin/accounts', {
      accountId,
      holderDisplayName: 'Cy',
      currency: 'EUR',
    });
    await kit.admin('POST', '/admin/devices', { deviceId, accountId, platform: 'ios' });
    const small = [{ currency: 'EUR', perTransactionMax: '2000', cumulativeMax: '10000' }];
    expect(
      await kit.admin('PUT', `/admin/devices/${deviceId}/offline-limits`, { limits: small }),
    ).toMatchObject({ status: 200, body: { outcome: 'applied', limits: small } });
    expect(
      await kit.admin('PUT', `/admin/devices/${deviceId}/offline-limits`, {
        limits: [{ currency: 'EUR', perTransactionMax: '3', cumulativeMax: '2' }],
      }),
    ).toMatchObject({
      status: 400,
      body: { errors: [{ field: 'limits[0].perTransactionMax' }] },
    });

    // Asked for by an operator who is maker and checker: approving it takes a checker who is someone else.
    const large = [{ currency: 'EUR', perTransactionMax: '5000', cumulativeMax: '50000' }];
    const requester = adminAuthorization(secondOperator.operatorId, secondOperator.secret);
    const pending = await kit.admin(
      'PUT',
      `/admin/devices/${deviceId}/offline-limits`,
      { limits: large },
      requester,
    );
    expect(pending).toMatchObject({
      status: 200,
      body: { outcome: 'pending-approval', changeId: expect.any(String) },
    });
    const approvePath = `/admin/offline-limit-changes/${String(pending.body.changeId)}/approve`;
    expect(await kit.admin('POST', approvePath, undefined, requester)).toMatchObject({
      status: 403,
      body: { code: 'SECOND_OPERATOR_REQUIRED' },
    });
    expect(await kit.admin('POST', approvePath)).toMatchObject({
      status: 403,
      body: { code: 'ADMIN_ROLE_REQUIRED' },
    });
    expect((await kit.admin('GET', `/admin/devices/${deviceId}/offline`)).body).toMatchObject({
      limits: small,
    });
    const checker = adminAuthorization(testChecker.operatorId, testChecker.secret);
    expect(await kit.admin('POST', approvePath, undefined, checker)).toMatchObject({
      status: 200,
      body: { outcome: 'applied', deviceId, limits: large },
    });
    expect(await kit.admin('POST', approvePath, undefined, checker)).toMatchObject({
      status: 409,
      body: { code: 'CHANGE_ALREADY_DECIDED' },
    });

    expect(
      await kit.admin('PUT', `/admin/devices/${deviceId}/offline-capability`, {
        capability: 'suspended',
      }),
    ).toMatchObject({ status: 200, body: { capability: 'suspended' } });
    await waitFor(
      () => published('device.offline-capability-changed', deviceId).length === 4,
      30_000,
      'offline events',
    );
    expect(
      published('device.offline-capability-changed', deviceId).map(
        (event) => (event.payload as { reason: string }).reason,
      ),
    ).toEqual(['enrolled', 'limits-changed', 'limits-changed', 'operator-action']);
    expect(published('device.offline-capability-changed', deviceId)[3]!.payload).toMatchObject({
      capability: 'suspended',
      limits: large,
    });
  });
});
