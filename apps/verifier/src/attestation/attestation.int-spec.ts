// The attestation consumer on the real PostgreSQL and Kafka: attestation.requested in on the
// registry's topic, attestation.completed out on the verifier's, once per request even when replayed.
import { type AttestationCompletedV1, type EventEnvelope } from '@settle/contracts';
import {
  attestationRequested,
  redelivered,
  startVerifier,
  type VerifierTestKit,
  waitFor,
} from '../testing/verifier-test-kit';

const developmentPolicy = JSON.stringify({
  development: true,
  android: { formats: ['android-key', 'none'], acceptedLevels: ['strongbox', 'tee', 'software'] },
});

function verdicts(kit: VerifierTestKit, request: EventEnvelope): AttestationCompletedV1[] {
  const requestId = (request.payload as { requestId: string }).requestId;
  return kit.published
    .filter(
      (event) =>
        event.type === 'attestation.completed' &&
        (event.payload as AttestationCompletedV1).requestId === requestId,
    )
    .map((event) => event.payload as AttestationCompletedV1);
}

describe('attestation (development policy accepting none)', () => {
  let kit: VerifierTestKit;

  beforeAll(async () => {
    kit = await startVerifier({ SETTLE_VERIFIER_ATTESTATION_POLICY: developmentPolicy });
  });

  afterAll(async () => {
    await kit?.stop();
  });

  it('accepts a software key with format none, publishes once, and never again on a replay', async () => {
    const request = attestationRequested();
    await kit.publish(request);
    await waitFor(() => verdicts(kit, request).length === 1, 30_000, 'attestation.completed');
    const [verdict] = verdicts(kit, request);
    expect(verdict).toMatchObject({
      keyId: request.key,
      verdict: 'accepted',
      reasonCode: null,
      level: 'software',
      format: 'none',
    });
    const completed = kit.published.find(
      (event) => event.type === 'attestation.completed' && event.key === request.key,
    )!;
    expect(completed).toMatchObject({
      producer: 'verifier',
      correlationId: request.correlationId,
      causationId: request.eventId,
    });

    // The same event (inbox) and the same request under a new event id (business key): nothing new.
    await kit.publish(request);
    await kit.publish(redelivered(request));
    const marker = attestationRequested();
    await kit.publish(marker);
    await waitFor(() => verdicts(kit, marker).length === 1, 30_000, 'a later verdict');
    expect(verdicts(kit, request)).toHaveLength(1);
    const rows = await kit.query<{ verdict: string; level: string }>(
      'SELECT verdict, level FROM verifier_attestation_results WHERE request_id = $1',
      [verdict!.requestId],
    );
    expect(rows).toEqual([{ verdict: 'accepted', level: 'software' }]);
    expect(kit.deadLetters).toEqual([]);
  });

  // Issue 13 §1: `none` was judged by the first class listing it, so a terminal enrolled a software key under the phones' development policy.
  it('judges by the registered class: a terminal sending none is refused although Android phones may send it here', async () => {
    const terminal = attestationRequested({
      owner: { kind: 'terminal', id: 'trm_revenue1' },
      registeredClass: 'terminal',
    });
    await kit.publish(terminal);
    await waitFor(() => verdicts(kit, terminal).length === 1, 30_000, 'attestation.completed');
    expect(verdicts(kit, terminal)[0]).toMatchObject({
      verdict: 'rejected',
      reasonCode: 'FORMAT_NOT_ALLOWED',
      level: null,
      format: 'none',
    });
    const [row] = await kit.query<{ policy_device_class: string }>(
      'SELECT policy_device_class FROM verifier_attestation_results WHERE key_id = $1',
      [terminal.key],
    );
    expect(row).toEqual({ policy_device_class: 'terminal' });
  });

  it('rejects malformed evidence, and keeps the precise code and detail', async () => {
    const request = attestationRequested({
      format: 'android-key',
      evidence: Buffer.from('not a certificate chain').toString('base64url'),
    });
    await kit.publish(request);
    await waitFor(() => verdicts(kit, request).length === 1, 30_000, 'attestation.completed');
    expect(verdicts(kit, request)[0]).toMatchObject({
      verdict: 'rejected',
      reasonCode: 'EVIDENCE_MALFORMED',
      level: null,
      format: 'android-key',
    });
    const [row] = await kit.query<{ precise_reason_code: string; detail: string }>(
      'SELECT precise_reason_code, detail FROM verifier_attestation_results WHERE key_id = $1',
      [request.key],
    );
    expect(row).toMatchObject({
      precise_reason_code: 'EVIDENCE_MALFORMED',
      detail: expect.any(String),
    });
  });
});

describe('attestation (default production policy)', () => {
  let kit: VerifierTestKit;

  beforeAll(async () => {
    kit = await startVerifier();
  });

  afterAll(async () => {
    await kit?.stop();
  });

  it('rejects format none (FORMAT_NOT_ALLOWED) and malformed evidence (EVIDENCE_MALFORMED)', async () => {
    const none = attestationRequested();
    const malformed = attestationRequested({
      registeredClass: 'ios',
      format: 'apple-app-attest',
      evidence: Buffer.from([0xff, 0x00, 0x01]).toString('base64url'),
    });
    await kit.publish(none);
    await kit.publish(malformed);
    await waitFor(
      () => verdicts(kit, none).length === 1 && verdicts(kit, malformed).length === 1,
      30_000,
      'attestation.completed',
    );
    expect(verdicts(kit, none)[0]).toMatchObject({
      verdict: 'rejected',
      reasonCode: 'FORMAT_NOT_ALLOWED',
      level: null,
      format: 'none',
    });
    expect(verdicts(kit, malformed)[0]).toMatchObject({
      verdict: 'rejected',
      reasonCode: 'EVIDENCE_MALFORMED',
      level: null,
      format: 'apple-app-attest',
    });
  });
});
