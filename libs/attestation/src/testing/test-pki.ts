// Test support only: a small PKI made in the tests with @peculiar/x509 and WebCrypto (P-256 test
// roots, fast to generate), for the synthetic chains of every failure mode. Not exported from the
// package entry.
import 'reflect-metadata';
import { type webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { type Es256PublicJwk, importPublicJwk } from '@settle/crypto';
import { type TrustAnchor, trustAnchorFromCertificate } from '../policy/trust-anchor';

/** WebCrypto key types (the project compiles without the DOM library). */
export type CryptoKeyPair = webcrypto.CryptoKeyPair;
type CryptoKey = webcrypto.CryptoKey;

const subtle = globalThis.crypto.subtle;
const ecdsaP256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const signingAlgorithm = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** The validity window of every synthetic certificate unless a test says otherwise. */
export const testValidity = {
  notBefore: new Date('2025-01-01T00:00:00Z'),
  notAfter: new Date('2027-01-01T00:00:00Z'),
} as const;
/** A verification time inside {@link testValidity}. */
export const testNow = new Date('2025-06-01T12:00:00Z');

/** A key pair with its public JWK. */
export interface TestKeyPair {
  readonly keys: CryptoKeyPair;
  readonly publicJwk: Es256PublicJwk;
}

/** A certificate with the key pair it certifies. */
export interface TestCertificate {
  readonly certificate: x509.X509Certificate;
  readonly keys: CryptoKeyPair;
  readonly der: Uint8Array;
}

/** A P-256 key pair with its public JWK (the keys registered in the tests). */
export async function generateTestKeyPair(): Promise<TestKeyPair> {
  const keys = (await subtle.generateKey(ecdsaP256, true, ['sign', 'verify'])) as CryptoKeyPair;
  const jwk = await subtle.exportKey('jwk', keys.publicKey);
  return {
    keys,
    publicJwk: importPublicJwk({
      kty: jwk.kty,
      crv: jwk.crv,
      x: jwk.x,
      y: jwk.y,
    }) as Es256PublicJwk,
  };
}

/** A P-384 key pair: a key of a curve the protocol does not use. */
export async function generateP384KeyPair(): Promise<CryptoKeyPair> {
  return (await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
}

function derOf(certificate: x509.X509Certificate): Uint8Array {
  return new Uint8Array(certificate.rawData);
}

/** A self-signed test root CA. */
export async function createTestRoot(
  name = 'CN=Test Attestation Root',
): Promise<TestCertificate & { readonly anchor: TrustAnchor }> {
  const keys = (await subtle.generateKey(ecdsaP256, true, ['sign', 'verify'])) as CryptoKeyPair;
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name,
    keys,
    signingAlgorithm,
    notBefore: new Date('2020-01-01T00:00:00Z'),
    notAfter: new Date('2040-01-01T00:00:00Z'),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
    ],
  });
  return {
    certificate,
    keys,
    der: derOf(certificate),
    anchor: trustAnchorFromCertificate(name, derOf(certificate)),
  };
}

/** What {@link issueTestCertificate} may vary. */
export interface IssueOptions {
  readonly issuer: TestCertificate;
  readonly subject: string;
  /** The key to certify; a fresh P-256 pair when absent. */
  readonly keys?: CryptoKeyPair;
  readonly ca?: boolean;
  readonly serialNumber?: string;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  readonly extensions?: readonly x509.Extension[];
}

/** A certificate signed by `issuer`. */
export async function issueTestCertificate(options: IssueOptions): Promise<TestCertificate> {
  const keys =
    options.keys ??
    ((await subtle.generateKey(ecdsaP256, true, ['sign', 'verify'])) as CryptoKeyPair);
  const caExtensions =
    options.ca === true
      ? [
          new x509.BasicConstraintsExtension(true, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
        ]
      : [];
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: options.serialNumber ?? '02',
    subject: options.subject,
    issuer: options.issuer.certificate.subject,
    notBefore: options.notBefore ?? testValidity.notBefore,
    notAfter: options.notAfter ?? testValidity.notAfter,
    signingAlgorithm,
    publicKey: keys.publicKey,
    signingKey: options.issuer.keys.privateKey,
    extensions: [...caExtensions, ...(options.extensions ?? [])],
  });
  return { certificate, keys, der: derOf(certificate) };
}

/** A non-critical extension with the given DER value. */
export function testExtension(
  oid: string,
  value: ArrayBuffer | Uint8Array,
  critical = false,
): x509.Extension {
  return new x509.Extension(
    oid,
    critical,
    value instanceof Uint8Array ? value.slice().buffer : value,
  );
}

/** The DER with one bit of the last byte (inside the signature value) flipped. */
export function withBrokenSignature(der: Uint8Array): Uint8Array {
  const broken = der.slice();
  broken[broken.length - 1] = broken[broken.length - 1]! ^ 0x01;
  return broken;
}

/** Signs `data` with ES256 and returns the raw r‖s signature. */
export async function signEs256(privateKey: CryptoKey, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, data));
}
