// Test support only: synthetic Apple App Attest attestation objects, made like Apple's (an x5c of
// credential certificate and intermediate under a test root, the nonce extension declared with
// asn1-schema, authenticator data in WebAuthn's layout), so that each check can be failed alone.
import { sha256 } from '@noble/hashes/sha2.js';
import { AsnConvert } from '@peculiar/asn1-schema';
import { type Es256PublicJwk, base64UrlDecode, encodeCborDeterministic, exportRawPublicKey } from '@settle/crypto';
import { AppleNonceExtension, appleNonceExtensionOid } from '../apple-app-attest/apple-nonce-extension';
import { concatBytes } from '../checks/concat-bytes';
import { type IosAttestationPolicy } from '../policy/attestation-policy';
import { type TrustAnchor } from '../policy/trust-anchor';
import { type TestCertificate, type TestKeyPair, createTestRoot, generateTestKeyPair, issueTestCertificate, testExtension } from './test-pki';

export const testAppId = 'ABCDE12345.com.example.wallet';
export const appAttestDevelopmentAaguid = new TextEncoder().encode('appattestdevelop');

/** The COSE_Key (EC2, ES256, P-256) of a JWK, as authenticator data carries it. */
export function coseKeyOf(jwk: Es256PublicJwk): Uint8Array {
  return encodeCborDeterministic(new Map<number, unknown>([[1, 2], [3, -7], [-1, 1], [-2, base64UrlDecode(jwk.x)!], [-3, base64UrlDecode(jwk.y)!]]));
}

/** Authenticator data of a registration: rpIdHash ‖ flags ‖ counter ‖ AAGUID ‖ id length ‖ id ‖ COSE key. */
export function authenticatorData(options: { readonly rpId: string; readonly flags: number; readonly counter: number; readonly aaguid: Uint8Array; readonly credentialId: Uint8Array; readonly coseKey: Uint8Array }): Uint8Array {
  const counter = new Uint8Array(4);
  new DataView(counter.buffer).setUint32(0, options.counter);
  const idLength = new Uint8Array([options.credentialId.length >> 8, options.credentialId.length & 0xff]);
  return concatBytes(sha256(new TextEncoder().encode(options.rpId)), new Uint8Array([options.flags]), counter, options.aaguid, idLength, options.credentialId, options.coseKey);
}

/** What {@link buildAppAttestObject} may vary. */
export interface AppAttestOptions {
  readonly root: TestCertificate & { readonly anchor: TrustAnchor };
  readonly key: TestKeyPair;
  readonly challenge: Uint8Array;
  readonly appId?: string;
  readonly counter?: number;
  readonly aaguid?: Uint8Array;
  readonly credentialId?: Uint8Array;
  /** The key put into the authenticator data (the certified key when absent). */
  readonly authenticatorDataKey?: Es256PublicJwk;
  /** Changes the authenticator data after Apple (the test intermediate) certified its nonce. */
  readonly alterAfterCertifying?: (authenticatorData: Uint8Array) => Uint8Array;
}

/** A synthetic App Attest attestation object. */
export async function buildAppAttestObject(options: AppAttestOptions): Promise<Uint8Array> {
  const data = authenticatorData({
    rpId: options.appId ?? testAppId,
    flags: 0x40,
    counter: options.counter ?? 0,
    aaguid: options.aaguid ?? appAttestDevelopmentAaguid,
    credentialId: options.credentialId ?? sha256(exportRawPublicKey(options.key.publicJwk)),
    coseKey: coseKeyOf(options.authenticatorDataKey ?? options.key.publicJwk),
  });
  const nonce = sha256(concatBytes(data, sha256(options.challenge)));
  const extension = Object.assign(new AppleNonceExtension(), { nonce: nonce.slice().buffer });
  const intermediate = await issueTestCertificate({ issuer: options.root, subject: 'CN=Test App Attestation CA 1, O=Test', ca: true });
  const leaf = await issueTestCertificate({
    issuer: intermediate,
    subject: 'CN=credential, OU=AAA Certification, O=Test',
    keys: options.key.keys,
    extensions: [testExtension(appleNonceExtensionOid, AsnConvert.serialize(extension))],
  });
  const statement = new Map<string, unknown>([['x5c', [leaf.der, intermediate.der]], ['receipt', new Uint8Array([0x30, 0x80])]]);
  const object = new Map<string, unknown>([['fmt', 'apple-appattest'], ['attStmt', statement], ['authData', options.alterAfterCertifying?.(data) ?? data]]);
  return encodeCborDeterministic(object);
}

/** A fresh test root and key for App Attest tests. */
export async function appAttestFixture(): Promise<{ readonly root: TestCertificate & { readonly anchor: TrustAnchor }; readonly key: TestKeyPair }> {
  return { root: await createTestRoot('CN=Test App Attestation Root'), key: await generateTestKeyPair() };
}

/** The iOS policy of the tests (development environment, like the real sample). */
export function iosTestPolicy(anchor: TrustAnchor, overrides: Partial<IosAttestationPolicy> = {}): IosAttestationPolicy {
  return {
    deviceClass: 'ios',
    formats: ['apple-app-attest'],
    acceptedLevels: ['secure-enclave'],
    keyAlgorithms: ['ES256'],
    trustAnchors: [anchor],
    appIds: [testAppId],
    environment: 'development',
    ...overrides,
  };
}
