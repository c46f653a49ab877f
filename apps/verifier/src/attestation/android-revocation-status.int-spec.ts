// The Android revocation status list end to end (issue 13 §1): fetched from a local HTTPS server
// (127.0.0.1, its own certificate trusted through SETTLE_VERIFIER_ANDROID_REVOCATION_LIST_CA_FILE),
// its format checked, stored in the real PostgreSQL, and used by the attestation consumer over the
// real Kafka: a listed serial is refused, a copy past its age refuses every Android key.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildAndroidChain,
  createTestRoot,
  generateTestKeyPair,
  testChallenge,
  testPackageName,
  testSigningCertificateSha256,
} from '@settle/attestation/testing';
import {
  type AttestationCompletedV1,
  type AttestationRequestedV2,
  type EventEnvelope,
} from '@settle/contracts';
import { createTlsTestServer, type TlsTestServer } from '@settle/resource-guard/testing';
import {
  attestationRequested,
  startVerifier,
  type VerifierTestKit,
  waitFor,
} from '../testing/verifier-test-kit';
import { AndroidRevocationStatus } from './android-revocation-status';

const listedSerial = 'c0ffee1';

function verdictOf(
  kit: VerifierTestKit,
  request: EventEnvelope,
): AttestationCompletedV1 | undefined {
  const requestId = (request.payload as { requestId: string }).requestId;
  return kit.published
    .map((event) => event.payload as AttestationCompletedV1)
    .find((payload) => payload.requestId === requestId);
}

describe('Android revocation status list (local HTTPS server, real PostgreSQL and Kafka)', () => {
  let server: TlsTestServer;
  let kit: VerifierTestKit;
  /** What the server answers next: a status and a body. */
  let answer: { status: number; body: string } = {
    status: 200,
    body: JSON.stringify({
      entries: { [listedSerial]: { status: 'REVOKED', reason: 'KEY_COMPROMISE' } },
    }),
  };
  let requests = 0;
  let root: Awaited<ReturnType<typeof createTestRoot>>;

  /** An android-key request for a fresh key whose chain's intermediate has `intermediateSerialNumber`. */
  async function androidRequest(intermediateSerialNumber: string): Promise<EventEnvelope> {
    const leaf = await generateTestKeyPair();
    const chain = await buildAndroidChain({ root, leafKeys: leaf.keys, intermediateSerialNumber });
    const fields: Partial<AttestationRequestedV2> = {
      format: 'android-key',
      evidence: Buffer.from(chain.evidence).toString('base64url'),
      challenge: Buffer.from(testChallenge).toString('base64url'),
      publicKeyJwk: leaf.publicJwk as AttestationRequestedV2['publicKeyJwk'],
    };
    const request = attestationRequested(fields);
    return request;
  }

  async function judged(
    request: EventEnvelope,
  ): Promise<{ verdict: AttestationCompletedV1; precise: string | null }> {
    await kit.publish(request);
    await waitFor(() => verdictOf(kit, request) !== undefined, 30_000, 'attestation.completed');
    const [row] = await kit.query<{ precise_reason_code: string | null }>(
      'SELECT precise_reason_code FROM verifier_attestation_results WHERE request_id = $1',
      [(request.payload as { requestId: string }).requestId],
    );
    return { verdict: verdictOf(kit, request)!, precise: row!.precise_reason_code };
  }

  const stored = () =>
    kit.query<{ entry_count: number; sha256: string; fetched_at: Date }>(
      'SELECT entry_count, sha256, fetched_at FROM verifier_android_revocation_status',
    );

  beforeAll(async () => {
    root = await createTestRoot();
    server = await createTlsTestServer((request, response) => {
      requests += 1;
      response.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    });
    const caFile = join(mkdtempSync(join(tmpdir(), 'revocation-list-')), 'ca.pem');
    writeFileSync(caFile, server.cert);
    const policy = {
      android: {
        trustAnchors: [{ name: 'test root', certificate: root.certificate.toString('pem') }],
        applications: [
          {
            packageName: testPackageName,
            signingCertificateSha256: [testSigningCertificateSha256],
          },
        ],
      },
    };
    kit = await startVerifier({
      SETTLE_VERIFIER_ATTESTATION_POLICY: JSON.stringify(policy),
      SETTLE_VERIFIER_ANDROID_REVOCATION_LIST_URL: `https://127.0.0.1:${server.port}/attestation/status`,
      SETTLE_VERIFIER_ANDROID_REVOCATION_LIST_CA_FILE: caFile,
      SETTLE_VERIFIER_ANDROID_REVOCATION_LIST_AGE_MAX_MS: String(3_600_000),
    });
  });

  afterAll(async () => {
    await kit?.stop();
    await server?.close();
  });

  it('fetches the list at start-up over HTTPS, stores it, and refuses a chain with a listed serial; an unlisted chain is accepted', async () => {
    await waitFor(async () => (await stored()).length === 1, 30_000, 'the list stored');
    expect(requests).toBeGreaterThanOrEqual(1);
    expect(await stored()).toEqual([
      expect.objectContaining({ entry_count: 1, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }),
    ]);
    await kit.test.service.app.get(AndroidRevocationStatus).refresh();

    const revoked = await judged(await androidRequest(`0${listedSerial}`));
    expect(revoked).toEqual({
      verdict: expect.objectContaining({
        verdict: 'rejected',
        reasonCode: 'CERTIFICATE_CHAIN_INVALID',
        level: null,
      }),
      precise: 'CERTIFICATE_REVOKED',
    });
    const clean = await judged(await androidRequest('0a1b2c3d'));
    expect(clean.verdict).toMatchObject({ verdict: 'accepted', level: 'strongbox' });
  });

  it('does not store a list of the wrong format (the stored copy stays)', async () => {
    const before = await stored();
    answer = {
      status: 200,
      body: JSON.stringify({ entries: { 'not-hex': { status: 'REVOKED' } } }),
    };
    await kit.test.service.app.get(AndroidRevocationStatus).refresh();
    expect(await stored()).toEqual(before);
  });

  it('refuses every Android key once the stored copy is older than the configured age and the server fails (fail closed)', async () => {
    answer = { status: 503, body: '' };
    await kit.query(
      "UPDATE verifier_android_revocation_status SET fetched_at = now() - interval '2 hours'",
    );
    await kit.test.service.app.get(AndroidRevocationStatus).refresh();
    const stale = await judged(await androidRequest('0a1b2c3d'));
    expect(stale).toEqual({
      verdict: expect.objectContaining({
        verdict: 'rejected',
        reasonCode: 'CERTIFICATE_CHAIN_INVALID',
      }),
      precise: 'REVOCATION_STATUS_LIST_STALE',
    });

    // A fresh fetch makes the same kind of key acceptable again.
    answer = { status: 200, body: JSON.stringify({ entries: {} }) };
    await kit.test.service.app.get(AndroidRevocationStatus).refresh();
    expect(await stored()).toEqual([expect.objectContaining({ entry_count: 0 })]);
    expect((await judged(await androidRequest('0a1b2c3d'))).verdict).toMatchObject({
      verdict: 'accepted',
    });
  });
});
