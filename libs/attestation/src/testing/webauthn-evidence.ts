// Test support only: synthetic WebAuthn `packed` registrations (self attestation, or x5c under a
// test vendor root), wrapped in the `webauthn-packed` evidence map.
import { sha256 } from '@noble/hashes/sha2.js';
import { OctetString, AsnConvert } from '@peculiar/asn1-schema';
import { base64UrlEncode, ecdsaRawToDer, encodeCborDeterministic } from '@settle/crypto';
import { concatBytes } from '../checks/concat-bytes';
import { type WebAttestationPolicy } from '../policy/attestation-policy';
import { type TrustAnchor, type WebTrustAnchor } from '../policy/trust-anchor';
import { authenticatorData, coseKeyOf } from './apple-evidence';
import {
  type TestCertificate,
  type TestKeyPair,
  issueTestCertificate,
  signEs256,
  testExtension,
} from './test-pki';

export const testRpId = 'wallet.example.com';
export const testOrigin = 'https://wallet.example.com';
export const testAaguid = new Uint8Array(16).fill(0x42);
/** Flags: user present, user verified, attested credential data. */
export const flagsPresentVerifiedAttested = 0x45;

/** What {@link buildPackedEvidence} may vary. */
export interface PackedOptions {
  readonly key: TestKeyPair;
  readonly challenge: Uint8Array;
  /** Absent: self attestation. */
  readonly vendorRoot?: TestCertificate & { readonly anchor: TrustAnchor };
  /** The AAGUID the attestation certificate names (none when absent). */
  readonly certificateAaguid?: Uint8Array;
  readonly certificateOu?: string;
  readonly origin?: string;
  readonly crossOrigin?: boolean;
  readonly rpId?: string;
  readonly flags?: number;
  readonly alg?: number;
  readonly breakSignature?: boolean;
}

/** A `webauthn-packed` evidence map: `{ clientDataJSON, attestationObject }`. */
export async function buildPackedEvidence(options: PackedOptions): Promise<Uint8Array> {
  const clientData = {
    type: 'webauthn.create',
    challenge: base64UrlEncode(options.challenge),
    origin: options.origin ?? testOrigin,
    crossOrigin: options.crossOrigin ?? false,
  };
  const clientDataJson = new TextEncoder().encode(JSON.stringify(clientData));
  const data = authenticatorData({
    rpId: options.rpId ?? testRpId,
    flags: options.flags ?? flagsPresentVerifiedAttested,
    counter: 0,
    aaguid: testAaguid,
    credentialId: new Uint8Array(16).fill(0x17),
    coseKey: coseKeyOf(options.key.publicJwk),
  });
  const signedData = concatBytes(data, sha256(clientDataJson));
  const statement = new Map<string, unknown>([['alg', options.alg ?? -7]]);
  let signingKey = options.key.keys.privateKey;
  if (options.vendorRoot !== undefined) {
    const aaguidExtension =
      options.certificateAaguid === undefined
        ? []
        : [
            testExtension(
              '1.3.6.1.4.1.45724.1.1.4',
              AsnConvert.serialize(new OctetString(options.certificateAaguid)),
            ),
          ];
    const attestationCertificate = await issueTestCertificate({
      issuer: options.vendorRoot,
      subject: `CN=Test Authenticator, OU=${options.certificateOu ?? 'Authenticator Attestation'}, O=Test Vendor, C=US`,
      extensions: aaguidExtension,
    });
    statement.set('x5c', [attestationCertificate.der]);
    signingKey = attestationCertificate.keys.privateKey;
  }
  const signature = ecdsaRawToDer(await signEs256(signingKey, signedData));
  if (options.breakSignature === true)
    signature[signature.length - 1] = signature[signature.length - 1]! ^ 0x01;
  statement.set('sig', signature);
  const attestationObject = encodeCborDeterministic(
    new Map<string, unknown>([
      ['fmt', 'packed'],
      ['attStmt', statement],
      ['authData', data],
    ]),
  );
  return encodeCborDeterministic(
    new Map<string, unknown>([
      ['clientDataJSON', clientDataJson],
      ['attestationObject', attestationObject],
    ]),
  );
}

/** The web policy of the tests: software (self attestation) accepted, the vendor root at level tee. */
export function webTestPolicy(
  vendorAnchors: readonly WebTrustAnchor[],
  overrides: Partial<WebAttestationPolicy> = {},
): WebAttestationPolicy {
  return {
    deviceClass: 'web',
    formats: ['webauthn-packed'],
    acceptedLevels: ['strongbox', 'tee', 'secure-enclave', 'software'],
    keyAlgorithms: ['ES256'],
    trustAnchors: vendorAnchors,
    rpId: testRpId,
    origins: [testOrigin],
    ...overrides,
  };
}
