// The outbox checks each event against its contract unless the caller says its builders are tested
// (settlement's hot path): an invalid event then fails the transaction and nothing is stored.
import { type EventEnvelope } from '@settle/contracts';
import { MessagingError } from '../errors';
import { inTransaction } from '../sql';
import { createHarness, type Harness, paymentVerified } from '../testing/harness';
import { appendToOutbox } from './outbox-writer';

describe('outbox contract validation', () => {
  let harness: Harness;
  beforeAll(async () => (harness = await createHarness('outbox-validation')));
  afterAll(() => harness.close());

  const stored = async (eventId: string) =>
    (await harness.pool.query('SELECT 1 FROM messaging_outbox WHERE event_id = $1', [eventId]))
      .rowCount;
  const withAmount = (event: EventEnvelope, amount: string): EventEnvelope => ({
    ...event,
    payload: { ...(event.payload as object), amount },
  });

  it('refuses an event that breaks its contract by default, storing nothing of its transaction', async () => {
    const valid = paymentVerified(1);
    const invalid = withAmount(paymentVerified(2), '-5');
    const append = inTransaction(harness.pool, (sql) =>
      appendToOutbox(sql, [valid, invalid], { topicPrefix: harness.topicPrefix }),
    );
    await expect(append).rejects.toThrow(MessagingError);
    await expect(append).rejects.toMatchObject({ code: 'OUTBOX_EVENT_INVALID' });
    expect(await stored(valid.eventId)).toBe(0);
  });

  it('stores without the check when the caller’s builders are tested (consumers still validate what they receive)', async () => {
    const unchecked = withAmount(paymentVerified(3), '-5');
    await inTransaction(harness.pool, (sql) =>
      appendToOutbox(sql, [unchecked], {
        topicPrefix: harness.topicPrefix,
        validation: 'builders-tested',
      }),
    );
    expect(await stored(unchecked.eventId)).toBe(1);
  });
});
