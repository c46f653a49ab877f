// Test support only: synthetic Apple App Attest attestation objects, made like Apple's (an x5c of
// credential certificate and intermediate under a test root, the nonce extension declared with
// asn1-schema, authenticator data in WebAuthn's layout), so that each check can be failed alone.
import { sha256 } from '@noble/hashes/sha2.js';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  type Es256PublicJwk,
  base64UrlDecode,
  calculateJwkThumbprint,
  ecdsaRawToDer,
  encodeCborDeterministic,
  exportRawPublicKey,
} from '@settle/crypto';
import {
  appAttestKeyVouchClientDataHash,
  encodeAppAttestKeyVouchEvidence,
} from '../apple-app-attest/app-attest-key-vouch';
import {
  AppleNonceExtension,
  appleNonceExtensionOid,
} from '../apple-app-attest/apple-nonce-extension';
import { concatBytes } from '../checks/concat-bytes';
import { type IosAttestationPolicy } from '../policy/attestation-policy';
import { type TrustAnchor } from '../policy/trust-anchor';
import { type KeyPurpose } from '../formats';
import {
  type TestCertificate,
  type TestKeyPair,
  createTestRoot,
  generateTestKeyPair,
  issueTestCertificate,
  signEs256,
  testExtension,
} from './test-pki';

export const testAppId = 'ABCDE12345.com.example.wallet';
export const appAttestDevelopmentAaguid = new TextEncoder().encode('appattestdevelop');

/** The COSE_Key (EC2, ES256, P-256) of a JWK, as authenticator data carries it. */
export function coseKeyOf(jwk: Es256PublicJwk): Uint8Array {
  return encodeCborDeterministic(
    new Map<number, unknown>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, base64UrlDecode(jwk.x)!],
      [-3, base64UrlDecode(jwk.y)!],
    ]),
  );
}

/** Authenticator data of a registration: rpIdHash ‖ flags ‖ counter ‖ AAGUID ‖ id length ‖ id ‖ COSE key. */
export function authenticatorData(options: {
  readonly rpId: string;
  readonly flags: number;
  readonly counter: number;
  readonly aaguid: Uint8Array;
  readonly credentialId: Uint8Array;
  readonly coseKey: Uint8Array;
}): Uint8Array {
  const counter = new Uint8Array(4);
  new DataView(counter.buffer).setUint32(0, options.counter);
  const idLength = new Uint8Array([
    options.credentialId.length >> 8,
    options.credentialId.length & 0xff,
  ]);
  return concatBytes(
    sha256(new TextEncoder().encode(options.rpId)),
    new Uint8Array([options.flags]),
    counter,
    options.aaguid,
    idLength,
    options.credentialId,
    options.coseKey,
  );
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
  /** Validity of the intermediate and credential certificates (the test PKI's fixed dates when absent), e.g. around the real clock in end-to-end tests. */
  readonly validity?: { readonly notBefore: Date; readonly notAfter: Date };
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
  const intermediate = await issueTestCertificate({
    issuer: options.root,
    subject: 'CN=Test App Attestation CA 1, O=Test',
    ca: true,
    ...options.validity,
  });
  const leaf = await issueTestCertificate({
    issuer: intermediate,
    ...options.validity,
    subject: 'CN=credential, OU=AAA Certification, O=Test',
    keys: options.key.keys,
    extensions: [testExtension(appleNonceExtensionOid, AsnConvert.serialize(extension))],
  });
  const statement = new Map<string, unknown>([
    ['x5c', [leaf.der, intermediate.der]],
    ['receipt', new Uint8Array([0x30, 0x80])],
  ]);
  const object = new Map<string, unknown>([
    ['fmt', 'apple-appattest'],
    ['attStmt', statement],
    ['authData', options.alterAfterCertifying?.(data) ?? data],
  ]);
  return encodeCborDeterministic(object);
}

/** A fresh test root and key for App Attest tests. */
export async function appAttestFixture(): Promise<{
  readonly root: TestCertificate & { readonly anchor: TrustAnchor };
  readonly key: TestKeyPair;
}> {
  return {
    root: await createTestRoot('CN=Test App Attestation Root'),
    key: await generateTestKeyPair(),
  };
}

/** The iOS policy of the tests (development environment, like the real sample). */
export function iosTestPolicy(
  anchor: TrustAnchor,
  overrides: Partial<IosAttestationPolicy> = {},
): IosAttestationPolicy {
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

/** What {@link buildAppAttestAssertion} may vary. */
export interface AppAttestAssertionOptions {
  /** The App Attest key that signs (the Secure Enclave's, in the test a WebCrypto P-256 key). */
  readonly key: TestKeyPair;
  readonly clientDataHash: Uint8Array;
  readonly counter?: number;
  readonly appId?: string;
  /** Changes the authenticator data after it was signed. */
  readonly alterAfterSigning?: (authenticatorData: Uint8Array) => Uint8Array;
  /** Changes the DER signature after signing. */
  readonly alterSignature?: (signature: Uint8Array) => Uint8Array;
}

/**
 * A synthetic App Attest assertion, made as `generateAssertion` makes it: authenticator data
 * rpIdHash ‖ flags ‖ big-endian counter, a DER ECDSA P-256 signature (SHA-256) over
 * nonce = SHA-256(authenticatorData ‖ clientDataHash), and the CBOR map `{ signature, authenticatorData }`.
 */
export async function buildAppAttestAssertion(
  options: AppAttestAssertionOptions,
): Promise<Uint8Array> {
  const counter = new Uint8Array(4);
  new DataView(counter.buffer).setUint32(0, options.counter ?? 1);
  const data = concatBytes(
    sha256(new TextEncoder().encode(options.appId ?? testAppId)),
    new Uint8Array([0x40]),
    counter,
  );
  const signature = ecdsaRawToDer(
    await signEs256(options.key.keys.privateKey, sha256(concatBytes(data, options.clientDataHash))),
  );
  return encodeCborDeterministic(
    new Map<string, unknown>([
      ['signature', options.alterSignature?.(signature) ?? signature],
      ['authenticatorData', options.alterAfterSigning?.(data) ?? data],
    ]),
  );
}

/** What {@link buildAppAttestKeyVouch} may vary. */
export interface AppAttestKeyVouchOptions {
  readonly root: TestCertificate & { readonly anchor: TrustAnchor };
  /** The App Attest key (attested, and the signer of the assertion). */
  readonly appAttestKey: TestKeyPair;
  /** The Secure Enclave key being registered, which the assertion vouches for. */
  readonly vouchedKey: Es256PublicJwk;
  readonly challenge: Uint8Array;
  readonly purpose?: KeyPurpose;
  /** Options of the attestation object (e.g. another app id, a wrong challenge). */
  readonly attestation?: Partial<AppAttestOptions>;
  /** Options of the assertion (another signer, counter, app id, client data). */
  readonly assertion?: Partial<AppAttestAssertionOptions>;
}

/**
 * The evidence of an iOS binding key, as the app sends it: the App Attest key's attestation object
 * (nonce over the enrolment challenge) and an assertion by that key over
 * `appAttestKeyVouchClientDataHash(purpose, thumbprint of the vouched key, challenge)`, in the
 * deterministic-CBOR envelope `{ assertion, attestationObject }`. Made under a **test** App Attest root.
 */
export async function buildAppAttestKeyVouch(
  options: AppAttestKeyVouchOptions,
): Promise<Uint8Array> {
  const attestationObject = await buildAppAttestObject({
    root: options.root,
    key: options.appAttestKey,
    challenge: options.challenge,
    ...options.attestation,
  });
  const clientDataHash = appAttestKeyVouchClientDataHash({
    purpose: options.purpose ?? 'binding',
    keyId: calculateJwkThumbprint(options.vouchedKey),
    challenge: options.challenge,
  });
  const assertion = await buildAppAttestAssertion({
    key: options.appAttestKey,
    clientDataHash,
    ...options.assertion,
  });
  return encodeAppAttestKeyVouchEvidence({ attestationObject, assertion });
}
