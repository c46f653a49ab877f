// The per-address rate limit behind a proxy (issue 13 §3): X-Forwarded-For believed from configured
// proxies only, and the address bucket charged by refused requests, not by successful ones.
import { BoundConnection } from '@settle/device-session';
import {
  startTokenIssuer,
  type TestDevice,
  type TokenIssuerTestKit,
} from '../testing/token-issuer-test-kit';

const addressLimitPerMinute = 3;

describe('token issuer per-address rate limit (trusted proxy, charged after a refusal)', () => {
  let kit: TokenIssuerTestKit;
  const open: BoundConnection[] = [];

  const start = async (
    device: TestDevice,
    forwardedFor: string,
    options: { forged?: boolean } = {},
  ) => {
    const connection = await BoundConnection.open(kit.endpoint, device.privateJwk);
    open.push(connection);
    // A binding made on another connection does not verify over this one's EKM: a failed proof.
    let binding = connection.tokenBindingHeader;
    if (options.forged === true) {
      const other = await BoundConnection.open(kit.endpoint, device.privateJwk);
      open.push(other);
      binding = other.tokenBindingHeader;
    }
    const answer = await connection.request({
      method: 'POST',
      path: '/v1/sessions',
      headers: { 'sec-token-binding': binding, 'x-forwarded-for': forwardedFor },
      json: { bindingKeyId: device.keyId },
    });
    return {
      status: answer.status,
      body: JSON.parse(answer.body) as { code?: string; errors?: Array<{ field: string }> },
    };
  };

  beforeAll(async () => {
    // The test connects from 127.0.0.1: here it stands for the ingress in front of the issuer.
    kit = await startTokenIssuer({
      SETTLE_TOKEN_ISSUER_RATE_LIMIT_IP_PER_MINUTE: String(addressLimitPerMinute),
      SETTLE_TOKEN_ISSUER_TRUSTED_PROXIES: '127.0.0.1,::1',
    });
  });
  afterAll(async () => {
    for (const connection of open) connection.close();
    await kit?.stop();
  });

  it('lets more devices behind one NAT start sessions than the per-address limit', async () => {
    const devices = await Promise.all(
      Array.from({ length: addressLimitPerMinute + 2 }, () => kit.enrol()),
    );
    const statuses: number[] = [];
    for (const device of devices) statuses.push((await start(device, '198.51.100.1')).status);
    expect(statuses).toEqual(devices.map(() => 201));
  });

  it('refuses an address after its refused requests, before verifying, and only that address', async () => {
    const device = await kit.enrol();
    const failures: number[] = [];
    for (let attempt = 0; attempt < addressLimitPerMinute; attempt++)
      failures.push((await start(device, '203.0.113.9, 198.51.100.2', { forged: true })).status);
    expect(failures).toEqual([401, 401, 401]);
    const limited = await start(device, '198.51.100.2');
    expect([limited.status, limited.body.code, limited.body.errors?.[0]?.field]).toEqual([
      429,
      'RATE_LIMITED',
      'client address',
    ]);
    // Another client behind the same trusted proxy has its own bucket.
    expect((await start(device, '198.51.100.3')).status).toBe(201);
  });
});
