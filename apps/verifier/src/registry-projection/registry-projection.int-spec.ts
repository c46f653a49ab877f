// The verifier's registry projection on the real PostgreSQL and Kafka: the registry's events in on
// their topics, the rows of migrations/0003 out, read back through registry-facts. Redeliveries and
// older key events change nothing, check-ins accumulate past what one event carries, and replaying
// every event of this file into a fresh verifier gives exactly the same rows.
import {
  deviceCheckedInV1,
  type DeviceCheckedInV1,
  type EventEnvelope,
  type KeyLifecycleChangedV1,
  keyLifecycleChangedV1,
  terminalRegisteredV1,
} from '@settle/contracts';
import { type SqlExecutor } from '@settle/messaging';
import { SQL_POOL } from '@settle/platform';
import {
  changeOfflineCapability,
  createSigningKey,
  enrolDevice,
  keyLifecycle,
  onboardMerchant,
  registerTerminal,
  testCaps,
  type TestDevice,
  uniqueId,
  untilProjected,
} from '../testing/payment-world';
import {
  envelopeOf,
  redelivered,
  startVerifier,
  type VerifierTestKit,
  waitFor,
} from '../testing/verifier-test-kit';
import {
  capabilityChangesOf,
  checkInsOf,
  deviceById,
  keyById,
  merchantById,
  terminalById,
} from './registry-facts';

const group = 'verifier.registry-projection';
const hourMs = 3_600_000;
const dayMs = 24 * hourMs;

function sqlOf(kit: VerifierTestKit): SqlExecutor {
  return kit.test.service.app.get<SqlExecutor>(SQL_POOL);
}

/** Resolves once the projection consumer has applied (or skipped as a duplicate) the event with this id. */
async function untilApplied(kit: VerifierTestKit, eventIds: readonly string[]): Promise<void> {
  await waitFor(
    async () => {
      const [row] = await kit.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM messaging_inbox WHERE consumer_group = $1 AND event_id = ANY($2::uuid[])',
        [group, eventIds],
      );
      return row!.n === new Set(eventIds).size;
    },
    30_000,
    'projection applied the events',
  );
}

/** Every projected row, in a stable order: what "the same projection" means. */
async function projection(kit: VerifierTestKit): Promise<Record<string, unknown[]>> {
  const tables: Record<string, string> = {
    keys: 'SELECT * FROM verifier_keys ORDER BY key_id',
    devices: 'SELECT * FROM verifier_devices ORDER BY device_id',
    terminals: 'SELECT * FROM verifier_terminals ORDER BY terminal_id',
    merchants: 'SELECT * FROM verifier_merchants ORDER BY merchant_id',
    checkIns: 'SELECT * FROM verifier_device_check_ins ORDER BY device_id, checked_in_at',
    capabilityChanges:
      'SELECT * FROM verifier_device_capability_changes ORDER BY device_id, changed_at',
  };
  const result: Record<string, unknown[]> = {};
  for (const [name, text] of Object.entries(tables)) result[name] = await kit.query(text);
  return result;
}

function checkInsEvent(device: TestDevice, times: readonly Date[], caps = testCaps): EventEnvelope {
  const history = times.map((at) => ({
    checkedInAt: at.toISOString(),
    validUntil: new Date(at.getTime() + dayMs).toISOString(),
    paymentKeyId: device.paymentKey.keyId,
    offlineCaps: caps,
  }));
  return envelopeOf(deviceCheckedInV1, {
    deviceId: device.deviceId,
    accountId: device.accountId,
    lastCheckInAt: history[history.length - 1]!.checkedInAt,
    history,
  });
}

describe('registry projection', () => {
  let kit: VerifierTestKit;
  /** Every event this file publishes, in order, for the replay. */
  const recorded: EventEnvelope[] = [];

  beforeAll(async () => {
    const started = await startVerifier();
    kit = {
      ...started,
      publish: async (envelope) => {
        recorded.push(envelope);
        await started.publish(envelope);
      },
    };
  });

  let stopped = false;

  afterAll(async () => {
    if (!stopped) await kit?.stop();
  });

  it('projects merchants, terminals, devices, keys, check-ins and capability changes, and reads them back', async () => {
    const merchant = await onboardMerchant(kit, { categoryCode: '5812' });
    const terminal = await registerTerminal(kit, merchant.merchantId);
    const checkedInAt = new Date(Date.now() - 2 * hourMs);
    const device = await enrolDevice(kit, { checkedInAt, paymentKeyAlg: 'EdDSA' });
    const suspendedAt = new Date(Date.now() - hourMs);
    await changeOfflineCapability(kit, device, 'suspended', suspendedAt, checkedInAt);
    await untilProjected(kit, [terminal, device]);
    await untilApplied(
      kit,
      recorded.map((envelope) => envelope.eventId),
    );
    const sql = sqlOf(kit);

    expect(await merchantById(sql, merchant.merchantId)).toEqual({
      merchantId: merchant.merchantId,
      categoryCode: '5812',
      settlementCurrency: 'EUR',
      onboardedAt: expect.any(Date),
    });
    expect(await terminalById(sql, terminal.terminalId)).toEqual({
      terminalId: terminal.terminalId,
      merchantId: merchant.merchantId,
      registeredAt: expect.any(Date),
    });
    expect(await deviceById(sql, device.deviceId)).toEqual({
      deviceId: device.deviceId,
      accountId: device.accountId,
      platform: 'android',
      enrolledAt: expect.any(Date),
    });
    const paymentKey = await keyById(sql, device.paymentKey.keyId);
    expect(paymentKey).toMatchObject({
      ownerKind: 'device',
      ownerId: device.deviceId,
      purpose: 'payment',
      algorithm: 'EdDSA',
      publicJwk: device.paymentKey.publicJwk,
      state: 'active',
    });
    expect(paymentKey!.history.map((period) => [period.state, period.validTo === null])).toEqual([
      ['pending', false],
      ['active', true],
    ]);
    expect(await keyById(sql, terminal.approvalKey.keyId)).toMatchObject({
      ownerKind: 'terminal',
      ownerId: terminal.terminalId,
      purpose: 'payment',
      algorithm: 'ES256',
    });
    expect(await keyById(sql, terminal.bindingKey.keyId)).toMatchObject({ purpose: 'binding' });
    expect(await checkInsOf(sql, device.deviceId)).toEqual([
      {
        deviceId: device.deviceId,
        checkedInAt,
        validUntil: new Date(checkedInAt.getTime() + dayMs),
        paymentKeyId: device.paymentKey.keyId,
        offlineCaps: testCaps,
      },
    ]);
    expect(await capabilityChangesOf(sql, device.deviceId)).toEqual([
      {
        deviceId: device.deviceId,
        changedAt: suspendedAt,
        capability: 'suspended',
        reason: 'account-overdrawn',
      },
    ]);
    // Unknown entities are absent, not errors: the callers turn them into EntityNotYetSeenError.
    expect(await keyById(sql, createSigningKey().keyId)).toBeUndefined();
    expect(await deviceById(sql, uniqueId('dev'))).toBeUndefined();
    expect(await checkInsOf(sql, uniqueId('dev'))).toEqual([]);
    expect(kit.deadLetters).toEqual([]);
  });

  it('keeps the newer key state: a redelivery and an older event (shorter history) change nothing', async () => {
    const owner = { kind: 'device' as const, id: uniqueId('dev') };
    const key = createSigningKey();
    const now = Date.now();
    const active = keyLifecycle(owner, 'payment', key.publicJwk, [
      { state: 'pending', at: new Date(now - 3 * dayMs) },
      { state: 'active', at: new Date(now - 2 * dayMs) },
    ]);
    const revoked: KeyLifecycleChangedV1 = keyLifecycle(owner, 'payment', key.publicJwk, [
      { state: 'pending', at: new Date(now - 3 * dayMs) },
      { state: 'active', at: new Date(now - 2 * dayMs) },
      { state: 'revoked', at: new Date(now - dayMs), reason: 'compromised' },
    ]);
    const activeEvent = envelopeOf(keyLifecycleChangedV1, active);
    const revokedEvent = envelopeOf(keyLifecycleChangedV1, revoked);
    await kit.publish(activeEvent);
    await kit.publish(revokedEvent);
    await untilApplied(kit, [activeEvent.eventId, revokedEvent.eventId]);
    const [before] = await kit.query('SELECT * FROM verifier_keys WHERE key_id = $1', [key.keyId]);
    expect(before).toMatchObject({ state: 'revoked', event_id: revokedEvent.eventId });

    // The same newer event (the inbox skips it), then both again under new event ids (a replay after
    // inbox pruning reaches the handler): the older one last, as a late redelivery would.
    const again = [redelivered(revokedEvent), redelivered(activeEvent)];
    await kit.publish(revokedEvent);
    for (const envelope of again) await kit.publish(envelope);
    await untilApplied(
      kit,
      again.map((envelope) => envelope.eventId),
    );
    const [after] = await kit.query('SELECT * FROM verifier_keys WHERE key_id = $1', [key.keyId]);
    expect(after).toEqual(before);
    expect((await keyById(sqlOf(kit), key.keyId))!.history.at(-1)).toEqual({
      state: 'revoked',
      reason: 'compromised',
      validFrom: revoked.history[2]!.validFrom,
      validTo: null,
    });
  });

  it('keeps an entity’s first announcement when one with the same creation time follows', async () => {
    const merchant = await onboardMerchant(kit);
    const terminalId = uniqueId('ter');
    const registeredAt = new Date(Date.now() - dayMs);
    const registration = envelopeOf(terminalRegisteredV1, {
      terminalId,
      merchantId: merchant.merchantId,
      registeredAt: registeredAt.toISOString(),
    });
    // The same creation time naming another merchant: a registry bug or a tampered replay; the first stays.
    const conflicting = envelopeOf(terminalRegisteredV1, {
      terminalId,
      merchantId: uniqueId('mer'),
      registeredAt: registeredAt.toISOString(),
    });
    await kit.publish(registration);
    await kit.publish(conflicting);
    await untilApplied(kit, [registration.eventId, conflicting.eventId]);
    expect(await terminalById(sqlOf(kit), terminalId)).toEqual({
      terminalId,
      merchantId: merchant.merchantId,
      registeredAt,
    });
  });

  it('accumulates check-ins past the 32 one event carries, and never rewrites one already stored', async () => {
    const base = Date.now();
    const enrolledCheckIn = new Date(base - 100 * hourMs);
    const device = await enrolDevice(kit, { checkedInAt: enrolledCheckIn });
    const times = Array.from({ length: 40 }, (_, index) => new Date(base - (80 - index) * hourMs));
    const first = checkInsEvent(device, times.slice(0, 32));
    // The next event's window slid by 8; its overlap claims other caps, which must not replace the stored ones.
    const otherCaps = [{ currency: 'EUR', perTransactionMax: '1', cumulativeMax: '2' }];
    const second = checkInsEvent(device, times.slice(8, 40), otherCaps);
    await kit.publish(first);
    await kit.publish(second);
    await untilApplied(kit, [first.eventId, second.eventId]);

    const checkIns = await checkInsOf(sqlOf(kit), device.deviceId);
    expect((second.payload as DeviceCheckedInV1).history).toHaveLength(32);
    expect(checkIns.map((checkIn) => checkIn.checkedInAt)).toEqual([enrolledCheckIn, ...times]);
    expect(checkIns.slice(1, 33).map((checkIn) => checkIn.offlineCaps)).toEqual(
      Array.from({ length: 32 }, () => testCaps),
    );
    expect(checkIns.slice(33).map((checkIn) => checkIn.offlineCaps)).toEqual(
      Array.from({ length: 8 }, () => otherCaps),
    );

    // Capability changes only accumulate too: a redelivered suspension under a new id adds nothing.
    const changedAt = new Date(base - hourMs);
    await changeOfflineCapability(kit, device, 'suspended', changedAt, times[39]!);
    const suspension = recorded.at(-1)!;
    await changeOfflineCapability(
      kit,
      device,
      'enabled',
      new Date(changedAt.getTime() + 60_000),
      times[39]!,
    );
    const reenabling = recorded.at(-1)!;
    const redeliveredSuspension = redelivered(suspension);
    await kit.publish(redeliveredSuspension);
    await untilApplied(kit, [
      suspension.eventId,
      reenabling.eventId,
      redeliveredSuspension.eventId,
    ]);
    expect(await capabilityChangesOf(sqlOf(kit), device.deviceId)).toEqual([
      {
        deviceId: device.deviceId,
        changedAt,
        capability: 'suspended',
        reason: 'account-overdrawn',
      },
      {
        deviceId: device.deviceId,
        changedAt: new Date(changedAt.getTime() + 60_000),
        capability: 'enabled',
        reason: 'account-back-in-funds',
      },
    ]);
  });

  it('gives exactly the same rows when every event of this file is replayed into a fresh verifier', async () => {
    const original = await projection(kit);
    expect(original['keys']!.length).toBeGreaterThan(0);
    // Consumer groups are named per service, not per topic prefix: a second verifier in the same group
    // would share out the partitions of both kits' topics, so the first one leaves before.
    await kit.stop();
    stopped = true;
    const fresh = await startVerifier();
    try {
      for (const envelope of recorded) await fresh.publish(envelope);
      await untilApplied(
        fresh,
        recorded.map((envelope) => envelope.eventId),
      );
      expect(await projection(fresh)).toEqual(original);
      expect(fresh.deadLetters).toEqual([]);
    } finally {
      await fresh.stop();
    }
  });
});
