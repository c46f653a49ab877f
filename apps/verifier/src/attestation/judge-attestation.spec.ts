import { randomBytes, randomUUID } from 'node:crypto';
import { type AttestationRequestedV1 } from '@settle/contracts';
import { generateKeyPair, calculateJwkThumbprint } from '@settle/crypto';
import { parseAttestationPolicies, productionAttestationPolicies } from './attestation-policies';
import { judgeAttestationRequest } from './judge-attestation';

const now = new Date('2026-03-01T10:00:00.000Z');

function request(fields: Partial<AttestationRequestedV1> = {}): AttestationRequestedV1 {
  const publicKeyJwk = generateKeyPair('ES256').publicJwk;
  return {
    requestId: randomUUID(),
    keyId: calculateJwkThumbprint(publicKeyJwk),
    owner: { kind: 'device', id: 'dev_1' },
    purpose: 'payment',
    format: 'none',
    challenge: randomBytes(32).toString('base64url'),
    evidence: '',
    publicKeyJwk,
    requestedAt: now.toISOString(),
    ...fields,
  };
}

describe('judgeAttestationRequest', () => {
  it('accepts format none at level software only under a policy that lists none and software', async () => {
    const development = parseAttestationPolicies({ android: { formats: ['android-key', 'none'], acceptedLevels: ['strongbox', 'tee', 'software'] } });
    const asked = request();
    expect(await judgeAttestationRequest(asked, development, now)).toEqual({
      completed: { requestId: asked.requestId, keyId: asked.keyId, verdict: 'accepted', reasonCode: null, level: 'software', format: 'none', verifiedAt: now.toISOString() },
      preciseReasonCode: null,
      detail: null,
      deviceClass: 'android',
    });
  });

  it('rejects format none under the production policies (FORMAT_NOT_ALLOWED)', async () => {
    const judged = await judgeAttestationRequest(request(), productionAttestationPolicies(), now);
    expect(judged).toMatchObject({ completed: { verdict: 'rejected', reasonCode: 'FORMAT_NOT_ALLOWED', level: null }, preciseReasonCode: 'FORMAT_NOT_ALLOWED' });
  });

  it('rejects evidence that does not decode as its format (EVIDENCE_MALFORMED)', async () => {
    const judged = await judgeAttestationRequest(request({ format: 'android-key', evidence: randomBytes(40).toString('base64url') }), productionAttestationPolicies(), now);
    expect(judged).toMatchObject({ completed: { verdict: 'rejected', reasonCode: 'EVIDENCE_MALFORMED', format: 'android-key' }, deviceClass: 'android', detail: expect.any(String) });
  });

  it('publishes the nearest v1 code for a code v1 lacks, and keeps the precise one', async () => {
    const tooLarge = randomBytes(64 * 1024 + 1).toString('base64url');
    const judged = await judgeAttestationRequest(request({ format: 'apple-app-attest', evidence: tooLarge }), productionAttestationPolicies(), now);
    expect(judged).toMatchObject({ completed: { verdict: 'rejected', reasonCode: 'EVIDENCE_MALFORMED' }, preciseReasonCode: 'EVIDENCE_TOO_LARGE', deviceClass: 'ios' });
  });
});
