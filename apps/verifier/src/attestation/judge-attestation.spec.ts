import { randomBytes, randomUUID } from 'node:crypto';
import {
  buildAndroidChain,
  buildPackedEvidence,
  createTestRoot,
  generateTestKeyPair,
  testChallenge,
} from '@settle/attestation/testing';
import { type AttestationRequestedV2 } from '@settle/contracts';
import { generateKeyPair, calculateJwkThumbprint } from '@settle/crypto';
import { parseAttestationPolicies, productionAttestationPolicies } from './attestation-policies';
import { judgeAttestationRequest } from './judge-attestation';

const now = new Date('2026-03-01T10:00:00.000Z');
const development = parseAttestationPolicies({
  development: true,
  android: { formats: ['android-key', 'none'], acceptedLevels: ['strongbox', 'tee', 'software'] },
});

function request(fields: Partial<AttestationRequestedV2> = {}): AttestationRequestedV2 {
  const publicKeyJwk = generateKeyPair('ES256').publicJwk;
  return {
    requestId: randomUUID(),
    keyId: calculateJwkThumbprint(publicKeyJwk),
    owner: { kind: 'device', id: 'dev_1' },
    registeredClass: 'android',
    purpose: 'payment',
    format: 'none',
    challenge: randomBytes(32).toString('base64url'),
    evidence: '',
    publicKeyJwk,
    requestedAt: now.toISOString(),
    ...fields,
  };
}

/** A WebAuthn `packed` self attestation (a software key, no vendor) that the production web policy accepts. */
async function selfAttestedPacked(
  registeredClass: AttestationRequestedV2['registeredClass'],
): Promise<AttestationRequestedV2> {
  const key = await generateTestKeyPair();
  const challenge = randomBytes(32);
  const evidence = await buildPackedEvidence({ key, challenge });
  return request({
    registeredClass,
    format: 'webauthn-packed',
    evidence: Buffer.from(evidence).toString('base64url'),
    challenge: challenge.toString('base64url'),
    publicKeyJwk: key.publicJwk as AttestationRequestedV2['publicKeyJwk'],
    keyId: calculateJwkThumbprint(key.publicJwk),
  });
}

describe('judgeAttestationRequest', () => {
  it('accepts format none at level software only under a development policy of the registered class that lists none and software', async () => {
    const asked = request();
    expect(await judgeAttestationRequest(asked, development, undefined, now)).toEqual({
      completed: {
        requestId: asked.requestId,
        keyId: asked.keyId,
        verdict: 'accepted',
        reasonCode: null,
        level: 'software',
        format: 'none',
        verifiedAt: now.toISOString(),
      },
      preciseReasonCode: null,
      detail: null,
      policyClass: 'android',
    });
  });

  it('rejects format none under the production policies (FORMAT_NOT_ALLOWED)', async () => {
    const judged = await judgeAttestationRequest(
      request(),
      productionAttestationPolicies(),
      undefined,
      now,
    );
    expect(judged).toMatchObject({
      completed: { verdict: 'rejected', reasonCode: 'FORMAT_NOT_ALLOWED', level: null },
      preciseReasonCode: 'FORMAT_NOT_ALLOWED',
    });
  });

  // Issue 13 §1: before, the policy was picked by the declared format, so this phone was judged by the web policy and its software key accepted.
  it('refuses a device registered as android that sends a webauthn-packed self attestation (FORMAT_NOT_ALLOWED), which the web policy would accept', async () => {
    const asAndroid = await selfAttestedPacked('android');
    const judged = await judgeAttestationRequest(
      asAndroid,
      productionAttestationPolicies(),
      undefined,
      now,
    );
    expect(judged).toMatchObject({
      completed: { verdict: 'rejected', reasonCode: 'FORMAT_NOT_ALLOWED', level: null },
      policyClass: 'android',
    });
    const asWeb = await judgeAttestationRequest(
      { ...asAndroid, registeredClass: 'web' },
      productionAttestationPolicies(),
      undefined,
      now,
    );
    expect(asWeb).toMatchObject({
      completed: { verdict: 'accepted', level: 'software' },
      policyClass: 'web',
    });
  });

  // Before, `none` was judged by the first class listing it (the development Android policy), so a terminal enrolled a software key.
  it('refuses a terminal sending none even where the Android phones’ development policy accepts it', async () => {
    const judged = await judgeAttestationRequest(
      request({ owner: { kind: 'terminal', id: 'trm_1' }, registeredClass: 'terminal' }),
      development,
      undefined,
      now,
    );
    expect(judged).toMatchObject({
      completed: { verdict: 'rejected', reasonCode: 'FORMAT_NOT_ALLOWED' },
      policyClass: 'terminal',
    });
  });

  it('refuses a request that names no registered class (a v1 request for a device) without reading the evidence', async () => {
    const judged = await judgeAttestationRequest(
      request({ registeredClass: null }),
      development,
      undefined,
      now,
    );
    expect(judged).toMatchObject({
      completed: { verdict: 'rejected', reasonCode: 'FORMAT_NOT_ALLOWED' },
      policyClass: 'unregistered',
      detail: expect.stringContaining('no registered class'),
    });
  });

  it('rejects evidence that does not decode as its format (EVIDENCE_MALFORMED)', async () => {
    const judged = await judgeAttestationRequest(
      request({ format: 'android-key', evidence: randomBytes(40).toString('base64url') }),
      productionAttestationPolicies(),
      undefined,
      now,
    );
    expect(judged).toMatchObject({
      completed: { verdict: 'rejected', reasonCode: 'EVIDENCE_MALFORMED', format: 'android-key' },
      policyClass: 'android',
      detail: expect.any(String),
    });
  });

  it('publishes the nearest v1 code for a code v1 lacks, and keeps the precise one', async () => {
    const tooLarge = randomBytes(64 * 1024 + 1).toString('base64url');
    const judged = await judgeAttestationRequest(
      request({ registeredClass: 'ios', format: 'apple-app-attest', evidence: tooLarge }),
      productionAttestationPolicies(),
      undefined,
      now,
    );
    expect(judged).toMatchObject({
      completed: { verdict: 'rejected', reasonCode: 'EVIDENCE_MALFORMED' },
      preciseReasonCode: 'EVIDENCE_TOO_LARGE',
      policyClass: 'ios',
    });
  });

  it('refuses Android evidence once the fetched revocation list is stale (REVOCATION_STATUS_LIST_STALE, published as CERTIFICATE_CHAIN_INVALID)', async () => {
    const root = await createTestRoot();
    const leaf = await generateTestKeyPair();
    const chain = await buildAndroidChain({ root, leafKeys: leaf.keys });
    const policies = parseAttestationPolicies({
      android: { trustAnchors: [{ name: 'test', certificate: root.certificate.toString('pem') }] },
    });
    const stale = { entries: new Map(), staleAfter: new Date(now.getTime() - 1) };
    const asked = request({
      format: 'android-key',
      evidence: Buffer.from(chain.evidence).toString('base64url'),
      challenge: Buffer.from(testChallenge).toString('base64url'),
      publicKeyJwk: leaf.publicJwk as AttestationRequestedV2['publicKeyJwk'],
    });
    const judged = await judgeAttestationRequest(asked, policies, stale, now);
    expect(judged).toMatchObject({
      completed: { verdict: 'rejected', reasonCode: 'CERTIFICATE_CHAIN_INVALID' },
      preciseReasonCode: 'REVOCATION_STATUS_LIST_STALE',
    });
  });
});
