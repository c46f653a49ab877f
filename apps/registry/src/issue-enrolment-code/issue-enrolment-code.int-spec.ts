// Issuing an enrolment code against a running registry on the real PostgreSQL: the code answered once
// and stored only as its hash; an unknown subject is 404 naming the field.
import { type RegistryTestKit, startRegistry, uniqueId } from '../testing/registry-test-kit';

describe('registry admin: enrolment codes', () => {
  let kit: RegistryTestKit;

  beforeAll(async () => {
    kit = await startRegistry();
  });

  afterAll(async () => {
    await kit?.stop();
  });

  it('issues an enrolment code once and stores only its hash', async () => {
    const accountId = uniqueId('acc');
    const deviceId = uniqueId('dev');
    await kit.admin('POST', '/admin/accounts', {
      accountId,
      holderDisplayName: 'Bo',
      currency: 'EUR',
    });
    await kit.admin('POST', '/admin/devices', { deviceId, accountId, platform: 'android' });
    const issued = await kit.admin('POST', '/admin/enrolment-codes', {
      subject: { kind: 'device', id: deviceId },
    });
    expect(issued).toMatchObject({
      status: 201,
      body: {
        codeId: expect.any(String),
        code: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
        subject: { kind: 'device', id: deviceId },
      },
    });
    const rows = await kit.query<{ code_hash: string }>(
      'SELECT code_hash FROM registry_enrolment_codes WHERE subject_id = $1',
      [deviceId],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.code_hash).not.toContain(String(issued.body.code));
    expect(
      await kit.admin('POST', '/admin/enrolment-codes', {
        subject: { kind: 'terminal', id: 'ter_nope' },
      }),
    ).toMatchObject({ status: 404, body: { errors: [{ field: 'subject.id' }] } });
  });
});
