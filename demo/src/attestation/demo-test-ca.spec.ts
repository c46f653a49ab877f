import { trustAnchorFromCertificate, verifyAttestation } from '@settle/attestation';
import { androidTestPolicy, createTestRoot } from '@settle/attestation/testing';
import { generateKeyPair, importPublicJwk } from '@settle/crypto';
import {
  createDemoTestCa,
  demoAndroidEvidence,
  demoAttestationPolicy,
  demoAttestor,
  demoTestCaLabel,
} from './demo-test-ca';

describe('the demo test CA', () => {
  const challenge = new Uint8Array(32).fill(7);

  it('attests a key over the challenge with android-key evidence that a policy trusting the demo CA accepts', async () => {
    const ca = await createDemoTestCa();
    const key = generateKeyPair('ES256').publicJwk;
    const policy = androidTestPolicy(trustAnchorFromCertificate(ca.label, ca.rootPem));
    const result = await verifyAttestation({
      format: 'android-key',
      evidence: await demoAndroidEvidence(ca, key, challenge),
      expectedChallenge: challenge,
      keyToRegister: importPublicJwk(key),
      purpose: 'payment',
      policy,
      now: new Date(),
    });
    expect(result).toMatchObject({
      ok: true,
      verdict: { level: 'strongbox', properties: { trustAnchor: { name: demoTestCaLabel } } },
    });
  });

  it('is trusted by nothing else: another root refuses its chain, and another challenge is refused', async () => {
    const ca = await createDemoTestCa();
    const key = generateKeyPair('ES256').publicJwk;
    const evidence = await demoAndroidEvidence(ca, key, challenge);
    const other = await createTestRoot('CN=Another root');
    const verify = (
      anchor: ReturnType<typeof trustAnchorFromCertificate>,
      expectedChallenge: Uint8Array,
    ) =>
      verifyAttestation({
        format: 'android-key',
        evidence,
        expectedChallenge,
        keyToRegister: importPublicJwk(key),
        purpose: 'payment',
        policy: androidTestPolicy(anchor),
        now: new Date(),
      });
    expect(await verify(other.anchor, challenge)).toMatchObject({ ok: false });
    expect(
      await verify(trustAnchorFromCertificate(ca.label, ca.rootPem), new Uint8Array(32).fill(8)),
    ).toMatchObject({ ok: false, reasonCode: 'CHALLENGE_MISMATCH' });
  });

  it('labels itself as a test CA in its certificate, its policy and the evidence format', async () => {
    const ca = await createDemoTestCa();
    expect(ca.root.certificate.subject).toContain('DEMO TEST CA — not a real device vendor');
    const trusted = {
      trustAnchors: [{ name: 'DEMO TEST CA — not a real device vendor', certificate: ca.rootPem }],
      applications: [expect.objectContaining({ packageName: 'com.example.wallet' })],
    };
    expect(demoAttestationPolicy(ca)).toEqual({ android: trusted, terminal: trusted });
    expect(
      await demoAttestor(ca)(
        { purpose: 'binding', publicJwk: generateKeyPair('ES256').publicJwk },
        challenge,
      ),
    ).toMatchObject({ format: 'android-key', evidence: expect.stringMatching(/^[A-Za-z0-9_-]+$/) });
  });
});
