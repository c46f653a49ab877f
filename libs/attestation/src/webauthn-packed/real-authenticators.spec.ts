// A real WebAuthn `packed` registration whose attestation object is not in deterministic CBOR key
// order: a Feitian BioPass FIDO2 key registered through a client that wrote fmt, authData, attStmt
// (go-webauthn/webauthn protocol/attestation_packed_test.go, packedTestResponseES256, BSD-3-Clause;
// see libs/attestation/vectors/README.md). RFC 8949 does not oblige an encoder to sort keys, so
// such evidence is read (issue 13 §4), while duplicate keys and trailing bytes are still refused.
import { decode } from 'cbor2';
import { base64UrlEncode, encodeCborDeterministic, importRawPublicKey } from '@settle/crypto';
import { type VerifyAttestationInput, verifyAttestation } from '../verify-attestation';
import { trustAnchorFromCertificate } from '../policy/trust-anchor';
import { webTestPolicy } from '../testing/webauthn-evidence';
import { readWebAuthnRegistrationVector } from '../testing/vectors';

const feitian = readWebAuthnRegistrationVector('go-webauthn/packed-feitian-biopass.json');
const base64UrlDecode = (text: string) => new Uint8Array(Buffer.from(text, 'base64url'));
const attestationObject = base64UrlDecode(feitian.attestationObjectBase64Url);
const clientDataJson = base64UrlDecode(feitian.clientDataJsonBase64Url);
const decoded = decode(attestationObject, { preferMap: true }) as Map<string, unknown>;
const statement = decoded.get('attStmt') as Map<string, unknown>;
const x5c = statement.get('x5c') as Uint8Array[];
const authenticatorData = decoded.get('authData') as Uint8Array;

/** The credential key, read from the authenticator data (offset 55 + credential id length). */
function credentialKey() {
  const credentialIdLength = (authenticatorData[53]! << 8) | authenticatorData[54]!;
  const coseKey = decode(authenticatorData.subarray(55 + credentialIdLength), {
    preferMap: true,
  }) as Map<number, Uint8Array>;
  return importRawPublicKey(
    new Uint8Array([0x04, ...coseKey.get(-2)!, ...coseKey.get(-3)!]),
    'ES256',
  );
}

/** The Feitian FIDO Root CA travels as the last x5c certificate; an operator would pin it from FIDO MDS. */
const feitianRoot = {
  ...trustAnchorFromCertificate('Feitian FIDO Root CA', x5c[2]!),
  level: 'tee' as const,
};

function evidenceOf(object: Uint8Array): Uint8Array {
  return encodeCborDeterministic(
    new Map<string, unknown>([
      ['clientDataJSON', clientDataJson],
      ['attestationObject', object],
    ]),
  );
}

function input(object: Uint8Array = attestationObject): VerifyAttestationInput {
  return {
    format: 'webauthn-packed',
    evidence: evidenceOf(object),
    expectedChallenge: base64UrlDecode(feitian.challengeBase64Url),
    keyToRegister: credentialKey(),
    purpose: 'payment',
    policy: webTestPolicy([feitianRoot], { rpId: feitian.rpId, origins: [feitian.origin] }),
    now: new Date(feitian.validAt),
  };
}

async function reasonOf(object: Uint8Array): Promise<string> {
  const result = await verifyAttestation(input(object));
  return result.ok ? `accepted:${result.verdict.level}` : result.reasonCode;
}

/** One CBOR item as bytes (the deterministic encoder, item by item, so that order is ours). */
const item = (value: unknown) => [...encodeCborDeterministic(value)];

describe('a real packed registration in non-deterministic key order (Feitian BioPass FIDO2)', () => {
  it('really is out of deterministic order: fmt, authData, attStmt', () => {
    expect([...decoded.keys()]).toEqual(['fmt', 'authData', 'attStmt']);
    expect(base64UrlEncode(attestationObject.subarray(0, 6))).toBe('o2NmbXRm');
  });

  it('is accepted (x5c under the Feitian root, the signature checked over the bytes received): it was EVIDENCE_MALFORMED before', async () => {
    const result = await verifyAttestation(input());
    if (!result.ok) throw new Error(`${result.reasonCode}: ${result.detail}`);
    expect(result.verdict).toMatchObject({ format: 'webauthn-packed', level: 'tee' });
    expect(result.verdict.properties).toMatchObject({
      attestationType: 'x5c',
      aaguid: Buffer.from('B82ED73C8FB4E5A2').toString('hex'),
      origin: feitian.origin,
      userVerified: true,
      signCount: 10338,
    });
  });

  it('a member twice → EVIDENCE_MALFORMED (ambiguous), even when both copies are equal', async () => {
    const fmt = [...item('fmt'), ...item('packed')];
    const rest = attestationObject.subarray(1 + fmt.length);
    expect(await reasonOf(new Uint8Array([0xa4, ...fmt, ...rest, ...fmt]))).toBe(
      'EVIDENCE_MALFORMED',
    );
  });

  it('a byte after the object → EVIDENCE_MALFORMED', async () => {
    expect(await reasonOf(new Uint8Array([...attestationObject, 0x00]))).toBe('EVIDENCE_MALFORMED');
  });

  it('one bit of the signed authenticator data changed → SIGNATURE_INVALID', async () => {
    const altered = attestationObject.slice();
    const offset = Buffer.from(attestationObject).indexOf(Buffer.from(authenticatorData)) + 33; // a byte of the counter
    altered[offset] = altered[offset]! ^ 0x01;
    expect(await reasonOf(altered)).toBe('SIGNATURE_INVALID');
  });
});
