import { type AttestationCompletedV1, type EventEnvelope, type EventOn } from '@settle/contracts';
import {
  type ConsumedEvent,
  type Outbox,
  PermanentEventError,
  type SqlExecutor,
} from '@settle/messaging';
import { type Logger } from '@settle/platform';
import { attestationRequested } from '../testing/verifier-test-kit';
import { parseAttestationPolicies, productionAttestationPolicies } from './attestation-policies';
import { AttestationRequestsConsumer } from './attestation-requests.consumer';
import { type AndroidRevocationStatus } from './android-revocation-status';

const pinned = new Date('2026-03-01T10:00:00.000Z');
const silent = { debug: () => undefined, info: () => undefined } as unknown as Logger;
/** Fetching off: the policies' own (empty) lists apply. */
const notFetched = { current: () => undefined } as unknown as AndroidRevocationStatus;

/** An in-memory verifier_attestation_results and outbox, enough for the consumer's three statements. */
function fakes() {
  const rows = new Map<string, unknown[]>();
  const appended: EventEnvelope[] = [];
  const sql: SqlExecutor = {
    query: async <Row extends Record<string, unknown>>(text: string, values: unknown[] = []) => {
      const requestId = String(values[0]);
      if (text.startsWith('SELECT'))
        return {
          rows: (rows.has(requestId) ? [{ one: 1 }] : []) as unknown as Row[],
          rowCount: rows.has(requestId) ? 1 : 0,
        };
      if (rows.has(requestId)) return { rows: [] as Row[], rowCount: 0 };
      rows.set(requestId, values);
      return { rows: [{ request_id: requestId }] as unknown as Row[], rowCount: 1 };
    },
  };
  const outbox = {
    append: async (_sql: SqlExecutor, envelopes: readonly EventEnvelope[]) =>
      void appended.push(...envelopes),
  } as unknown as Outbox;
  return { rows, appended, sql, outbox };
}

/** As the inbox hands it over; the last test hands over an event of the wrong type on purpose. */
const consumed = (
  envelope: EventEnvelope,
): ConsumedEvent<EventOn<'registry.attestation-requests.v1'>> => ({
  envelope: envelope as EventOn<'registry.attestation-requests.v1'>,
  topic: 'registry.attestation-requests.v1',
  partition: 0,
  offset: 0n,
});

describe('AttestationRequestsConsumer', () => {
  it('verifies at the injected clock’s time and publishes once per request id', async () => {
    const { rows, appended, sql, outbox } = fakes();
    const policies = parseAttestationPolicies({
      development: true,
      android: {
        formats: ['android-key', 'none'],
        acceptedLevels: ['strongbox', 'tee', 'software'],
      },
    });
    const consumer = new AttestationRequestsConsumer(
      outbox,
      { now: () => pinned },
      policies,
      silent,
      notFetched,
    );
    const request = attestationRequested();
    await consumer.handle(sql, [
      consumed(request),
      consumed({ ...request, eventId: '5f0c7c1e-9d4b-4c1a-8f3e-2b6d7a9e0c11' }),
    ]);
    expect(appended).toHaveLength(1);
    expect(appended[0]).toMatchObject({
      type: 'attestation.completed',
      key: request.key,
      causationId: request.eventId,
      correlationId: request.correlationId,
      occurredAt: pinned.toISOString(),
    });
    expect(appended[0]!.payload as AttestationCompletedV1).toMatchObject({
      verdict: 'accepted',
      level: 'software',
      verifiedAt: pinned.toISOString(),
    });
    expect(rows.size).toBe(1);
  });

  it('publishes the v1 code and records the precise one', async () => {
    const { rows, appended, sql, outbox } = fakes();
    const consumer = new AttestationRequestsConsumer(
      outbox,
      { now: () => pinned },
      productionAttestationPolicies(),
      silent,
      notFetched,
    );
    const request = attestationRequested({
      registeredClass: 'web',
      format: 'webauthn-packed',
      evidence: Buffer.alloc(64 * 1024 + 1).toString('base64url'),
    });
    await consumer.handle(sql, [consumed(request)]);
    expect(appended[0]!.payload).toMatchObject({
      verdict: 'rejected',
      reasonCode: 'EVIDENCE_MALFORMED',
      level: null,
    });
    const [values] = [...rows.values()];
    expect(values).toEqual(
      expect.arrayContaining(['EVIDENCE_MALFORMED', 'EVIDENCE_TOO_LARGE', 'web']),
    );
  });

  it('dead-letters an event of another type', async () => {
    const { sql, outbox } = fakes();
    const consumer = new AttestationRequestsConsumer(
      outbox,
      { now: () => pinned },
      productionAttestationPolicies(),
      silent,
      notFetched,
    );
    await expect(
      consumer.handle(sql, [
        consumed({ ...attestationRequested(), type: 'attestation.completed' }),
      ]),
    ).rejects.toBeInstanceOf(PermanentEventError);
  });
});
