// Policies come from configuration: a mistake must stop the service at start-up, never be ignored.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkAttestationPolicy } from './check-attestation-policy';
import {
  normalizeCertificateSerialNumber,
  parseAndroidRevocationStatusList,
} from './android-revocation-status-list';
import { spkiSha256Hex, trustAnchorFromCertificate } from './trust-anchor';
import { type AttestationPolicy } from './attestation-policy';
import { androidTestPolicy } from '../testing/android-evidence';
import { iosTestPolicy } from '../testing/apple-evidence';
import { webTestPolicy } from '../testing/webauthn-evidence';
import { appleAppAttestationRootAnchor, googleRootAnchors } from '../testing/vectors';

const googleRsaRoot = googleRootAnchors()[0]!;
const android = androidTestPolicy(googleRsaRoot);
const ios = iosTestPolicy(appleAppAttestationRootAnchor());
const web = webTestPolicy([]);

function codeOf(policy: unknown): string {
  try {
    checkAttestationPolicy(policy as AttestationPolicy);
    return 'valid';
  } catch (error) {
    return (error as { code: string }).code;
  }
}

describe('checkAttestationPolicy', () => {
  it('accepts the three device classes’ policies and returns them', () => {
    for (const policy of [android, ios, web]) expect(checkAttestationPolicy(policy)).toBe(policy);
  });

  it.each([
    ['an unknown member (a misspelt one is never ignored)', { ...android, deviceLocked: true }],
    ['a missing member', { ...android, revocationStatusList: undefined }],
    ['an unknown device class', { ...android, deviceClass: 'tpm' }],
    ['a format of another device class', { ...android, formats: ['apple-app-attest'] }],
    ['an empty format list', { ...android, formats: [] }],
    ['a level the device class cannot have', { ...android, acceptedLevels: ['secure-enclave'] }],
    ['an unknown key algorithm', { ...android, keyAlgorithms: ['RS256'] }],
    ['no trust anchors for android-key', { ...android, trustAnchors: [] }],
    [
      'an anchor whose key does not hash to its spkiSha256',
      { ...android, trustAnchors: [{ ...googleRsaRoot, spkiSha256: '00'.repeat(32) }] },
    ],
    ['no applications', { ...android, applications: [] }],
    [
      'a digest that is not lowercase SHA-256 hex',
      {
        ...android,
        applications: [{ packageName: 'com.example.wallet', signingCertificateSha256: ['AB'] }],
      },
    ],
    ['an unknown verified boot state', { ...android, verifiedBootStates: ['green'] }],
    [
      'a negative authentication validity',
      { ...android, paymentKeyAuthenticationValidityMaxSeconds: -1 },
    ],
    ['a status list that was not parsed', { ...android, revocationStatusList: { entries: {} } }],
    ['an app id without a team id', { ...ios, appIds: ['com.example.wallet'] }],
    ['an unknown App Attest environment', { ...ios, environment: 'staging' }],
    ['a web anchor without a level', { ...web, trustAnchors: [googleRsaRoot] }],
    [
      'a plain-http origin other than localhost',
      { ...web, origins: ['http://wallet.example.com'] },
    ],
    ['an rpId with a scheme', { ...web, rpId: 'https://wallet.example.com' }],
  ])('refuses %s with ERR_POLICY_INVALID', (_what, policy) => {
    expect(codeOf(policy)).toBe('ERR_POLICY_INVALID');
  });
});

describe('trust anchors', () => {
  it('keep only the key of a root certificate, named by its SPKI SHA-256', () => {
    const apple = appleAppAttestationRootAnchor();
    expect(apple.spkiSha256).toBe(
      '1ae751fd29896d0f1f13fe226c063f445d40d8938acc6245c251ecc0679330bd',
    );
    expect(spkiSha256Hex(apple.subjectPublicKeyInfo)).toBe(apple.spkiSha256);
  });

  it('refuse what is not a certificate', () => {
    expect(() => trustAnchorFromCertificate('junk', new Uint8Array([0x30, 0x00]))).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    expect(() => trustAnchorFromCertificate('', 'x')).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
  });
});

describe('the Android revocation status list', () => {
  it('reads Google’s format (status.json) with serials normalised', () => {
    const json = JSON.parse(
      readFileSync(
        join(
          __dirname,
          '../../vectors/android-key-attestation/google-android-key-attestation/status.json',
        ),
        'utf8',
      ),
    );
    const list = parseAndroidRevocationStatusList(json);
    expect(list.entries.size).toBe(5);
    expect(list.entries.get('cc66e9a93713b6e643b26c15879786f7')).toEqual({
      status: 'SUSPENDED',
      reason: 'KEY_COMPROMISE',
    });
    expect(list.entries.get('6681152659205225093')).toEqual({
      status: 'REVOKED',
      reason: 'KEY_COMPROMISE',
    });
  });

  it('normalises serial numbers as Java’s BigInteger.toString(16) prints them', () => {
    expect(normalizeCertificateSerialNumber('069697604437448081A2')).toBe('69697604437448081a2');
    expect(normalizeCertificateSerialNumber('00')).toBe('0');
    expect(() => normalizeCertificateSerialNumber('xyz')).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
  });

  it.each([
    [null],
    [{}],
    [{ entries: [] }],
    [{ entries: { xyz: { status: 'REVOKED' } } }],
    [{ entries: { ab: {} } }],
    [{ entries: { ab: { status: 'REVOKED', reason: 1 } } }],
  ])('refuses %j with ERR_POLICY_INVALID', (json) => {
    expect(() => parseAndroidRevocationStatusList(json)).toThrow(
      expect.objectContaining({ code: 'ERR_POLICY_INVALID' }),
    );
  });
});
