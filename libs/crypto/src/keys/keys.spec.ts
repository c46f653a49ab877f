// Key import and export. Reference encodings come from Wycheproof (C2SP/wycheproof, Apache-2.0:
// every group lists its key as raw point, DER SPKI, PEM and JWK) and from node:crypto (OpenSSL).
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { type SignatureAlgorithm } from '../algorithms';
import { type CryptoErrorCode } from '../errors';
import {
  type WycheproofEcdsaGroup,
  type WycheproofEddsaGroup,
  type WycheproofFile,
  hex,
  readVectorFile,
  wycheproofCoordinateToBase64Url,
} from '../testing/vectors';
import { exportPem } from './export-pem';
import { exportPublicJwk } from './export-public-jwk';
import { exportRawPublicKey } from './export-raw-public-key';
import { exportSpki } from './export-spki';
import { generateKeyPair } from './generate-key-pair';
import { importPem } from './import-pem';
import { importPrivateJwk } from './import-private-jwk';
import { importPublicJwk } from './import-public-jwk';
import { importRawPublicKey } from './import-raw-public-key';
import { importSpki } from './import-spki';
import { type PublicJwk } from './jwk';

const ecdsaGroups = readVectorFile<WycheproofFile<WycheproofEcdsaGroup>>(
  'wycheproof/ecdsa_secp256r1_sha256_p1363_test.json',
).testGroups;
const eddsaGroups = readVectorFile<WycheproofFile<WycheproofEddsaGroup>>(
  'wycheproof/ed25519_test.json',
).testGroups;

function codeOf(action: () => unknown): CryptoErrorCode | 'no error' | 'untyped error' {
  try {
    action();
    return 'no error';
  } catch (error) {
    return error instanceof Error && error.name === 'CryptoError'
      ? (error as Error & { code: CryptoErrorCode }).code
      : 'untyped error';
  }
}

function nodePublicJwk(kind: 'ec' | 'ed25519'): PublicJwk {
  const { publicKey } =
    kind === 'ec'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('ed25519');
  return publicKey.export({ format: 'jwk' }) as PublicJwk;
}

// RFC 7515 App. A.3 and RFC 8037 App. A keys.
const rfcEs256Jwk = {
  kty: 'EC',
  crv: 'P-256',
  x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
  y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
} as const;
const rfcEd25519Jwk = {
  kty: 'OKP',
  crv: 'Ed25519',
  x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo',
} as const;
const rfcEd25519PrivateJwk = {
  ...rfcEd25519Jwk,
  d: 'nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A',
} as const;

describe('importPublicJwk', () => {
  it('accepts keys made by OpenSSL and reduces them to their defining members', () => {
    for (const kind of ['ec', 'ed25519'] as const) {
      const jwk = nodePublicJwk(kind);
      expect(
        importPublicJwk({
          ...jwk,
          kid: 'device-1',
          alg: kind === 'ec' ? 'ES256' : 'Ed25519',
          use: 'sig',
          key_ops: ['verify'],
        }),
      ).toEqual(jwk);
    }
  });

  it('accepts every Wycheproof key (all on the curve)', () => {
    for (const group of ecdsaGroups) {
      const jwk = {
        kty: 'EC',
        crv: 'P-256',
        x: wycheproofCoordinateToBase64Url(group.publicKey.wx),
        y: wycheproofCoordinateToBase64Url(group.publicKey.wy),
      };
      expect(importPublicJwk(jwk, { alg: 'ES256' })).toEqual(jwk);
    }
    for (const group of eddsaGroups)
      expect(importPublicJwk(group.publicKeyJwk, { alg: 'EdDSA' })).toEqual({
        kty: 'OKP',
        crv: 'Ed25519',
        x: group.publicKeyJwk.x,
      });
  });

  const identityEncoding = 'AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'; // y = 1: the neutral element, of small order
  it.each<[string, unknown, SignatureAlgorithm | undefined]>([
    ['not an object', 'EC', undefined],
    ['null', null, undefined],
    ['an array', [rfcEs256Jwk], undefined],
    [
      'a private member d',
      { ...rfcEs256Jwk, d: 'jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI' },
      undefined,
    ],
    ['RSA', { kty: 'RSA', n: 'AQAB', e: 'AQAB' }, undefined],
    ['P-384', { ...rfcEs256Jwk, crv: 'P-384' }, undefined],
    ['X25519', { ...rfcEd25519Jwk, crv: 'X25519' }, undefined],
    ['secp256k1', { ...rfcEs256Jwk, crv: 'secp256k1' }, undefined],
    ['a missing y', { kty: 'EC', crv: 'P-256', x: rfcEs256Jwk.x }, undefined],
    ['a y on an OKP key', { ...rfcEd25519Jwk, y: rfcEs256Jwk.y }, undefined],
    ['a non-string x', { ...rfcEs256Jwk, x: 42 }, undefined],
    ['padding in x', { ...rfcEs256Jwk, x: `${rfcEs256Jwk.x}=` }, undefined],
    ['standard base64 in y', { ...rfcEs256Jwk, y: rfcEs256Jwk.y.replace('_', '/') }, undefined],
    [
      'non-canonical last character',
      { ...rfcEd25519Jwk, x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURp' },
      undefined,
    ],
    ['a 31-byte x', { ...rfcEs256Jwk, x: Buffer.alloc(31, 1).toString('base64url') }, undefined],
    [
      'a 33-byte x with a leading zero',
      {
        ...rfcEs256Jwk,
        x: Buffer.concat([Buffer.alloc(1), Buffer.from(rfcEs256Jwk.x, 'base64url')]).toString(
          'base64url',
        ),
      },
      undefined,
    ],
    ['a point not on the curve', { ...rfcEs256Jwk, y: rfcEs256Jwk.x }, undefined],
    [
      'an undecodable Ed25519 point',
      { ...rfcEd25519Jwk, x: Buffer.from('02'.padEnd(64, '0'), 'hex').toString('base64url') },
      undefined,
    ],
    ['a small-order Ed25519 point', { ...rfcEd25519Jwk, x: identityEncoding }, undefined],
    ['a key of another algorithm than asked', rfcEd25519Jwk, 'ES256'],
    ['an alg member for another algorithm', { ...rfcEs256Jwk, alg: 'ES384' }, undefined],
    ['use enc', { ...rfcEs256Jwk, use: 'enc' }, undefined],
    ['key_ops without verify', { ...rfcEs256Jwk, key_ops: ['sign'] }, undefined],
  ])('rejects %s with ERR_JWK_INVALID', (_what, jwk, alg) => {
    expect(codeOf(() => importPublicJwk(jwk, { alg }))).toBe('ERR_JWK_INVALID');
  });
});

describe('importPrivateJwk and exportPublicJwk', () => {
  it('import the RFC 8037 private key and derive its public half', () => {
    expect(importPrivateJwk(rfcEd25519PrivateJwk)).toEqual(rfcEd25519PrivateJwk);
    expect(exportPublicJwk(rfcEd25519PrivateJwk)).toEqual(rfcEd25519Jwk);
    expect(exportPublicJwk({ ...rfcEd25519Jwk, kid: 'x' })).toEqual(rfcEd25519Jwk);
  });

  it('reject a private JWK whose public members are not those of d', () => {
    const other = generateKeyPair('EdDSA').privateJwk;
    expect(codeOf(() => importPrivateJwk({ ...rfcEd25519PrivateJwk, d: other.d }))).toBe(
      'ERR_JWK_INVALID',
    );
    expect(codeOf(() => exportPublicJwk({ ...rfcEd25519PrivateJwk, d: other.d }))).toBe(
      'ERR_JWK_INVALID',
    );
  });

  it('reject a P-256 scalar out of range and a public JWK where a private one is needed', () => {
    const { privateJwk } = generateKeyPair('ES256');
    const order = Buffer.from(p256.Point.Fn.ORDER.toString(16), 'hex').toString('base64url');
    expect(codeOf(() => importPrivateJwk({ ...privateJwk, d: order }))).toBe('ERR_JWK_INVALID');
    expect(
      codeOf(() =>
        importPrivateJwk({ ...privateJwk, d: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }),
      ),
    ).toBe('ERR_JWK_INVALID');
    expect(codeOf(() => importPrivateJwk(rfcEs256Jwk))).toBe('ERR_JWK_INVALID');
    expect(codeOf(() => importPrivateJwk({ ...privateJwk, key_ops: ['verify'] }))).toBe(
      'ERR_JWK_INVALID',
    );
  });
});

describe('generateKeyPair', () => {
  it.each(['ES256', 'EdDSA'] as const)('makes %s pairs that OpenSSL imports', (alg) => {
    const { privateJwk, publicJwk } = generateKeyPair(alg);
    expect(exportPublicJwk(privateJwk)).toEqual(publicJwk);
    expect(createPublicKey({ key: { ...publicJwk }, format: 'jwk' }).asymmetricKeyType).toBe(
      alg === 'ES256' ? 'ec' : 'ed25519',
    );
    expect(generateKeyPair(alg).publicJwk).not.toEqual(publicJwk);
  });

  it('rejects an unknown algorithm with ERR_ALG_NOT_SUPPORTED', () => {
    expect(codeOf(() => generateKeyPair('ES384' as SignatureAlgorithm))).toBe(
      'ERR_ALG_NOT_SUPPORTED',
    );
  });
});

describe('SPKI and PEM', () => {
  it('import every Wycheproof DER and PEM key, and export the same bytes back', () => {
    for (const group of [...ecdsaGroups, ...eddsaGroups]) {
      const fromDer = importSpki(hex(group.publicKeyDer));
      expect(importPem(group.publicKeyPem)).toEqual(fromDer);
      expect(Buffer.from(exportSpki(fromDer)).toString('hex')).toBe(group.publicKeyDer);
    }
  });

  it('export what OpenSSL exports, and import what it exports', () => {
    for (const kind of ['ec', 'ed25519'] as const) {
      const jwk = nodePublicJwk(kind);
      const keyObject = createPublicKey({ key: jwk, format: 'jwk' });
      expect(Buffer.from(exportSpki(jwk))).toEqual(
        keyObject.export({ format: 'der', type: 'spki' }),
      );
      expect(exportPem(jwk)).toBe(keyObject.export({ format: 'pem', type: 'spki' }));
      expect(importPem(exportPem(jwk))).toEqual(jwk);
    }
  });

  it('import a compressed-point P-256 SPKI', () => {
    const jwk = nodePublicJwk('ec');
    const compressedSpki = createPublicKey({ key: jwk, format: 'jwk' }); // OpenSSL exports uncompressed; build the compressed form
    const uncompressed = exportSpki(jwk);
    expect(uncompressed.length).toBe(91);
    const compressed = Buffer.concat([
      Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex'),
      exportRawPublicKey(jwk, { compressed: true }),
    ]);
    expect(importSpki(compressed)).toEqual(jwk);
    expect(
      createPublicKey({ key: compressed, format: 'der', type: 'spki' }).equals(compressedSpki),
    ).toBe(true);
  });

  it.each([
    ['trailing bytes', () => importSpki(Buffer.concat([exportSpki(rfcEs256Jwk), Buffer.alloc(1)]))],
    ['a truncated key', () => importSpki(exportSpki(rfcEs256Jwk).subarray(0, 90))],
    [
      'a P-384 key',
      () =>
        importSpki(
          generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({
            format: 'der',
            type: 'spki',
          }),
        ),
    ],
    [
      'an RSA key',
      () =>
        importSpki(
          generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({
            format: 'der',
            type: 'spki',
          }),
        ),
    ],
    [
      'a point not on the curve',
      () =>
        importSpki(Buffer.concat([exportSpki(rfcEs256Jwk).subarray(0, 90), Buffer.from([0x00])])),
    ],
    [
      'a PEM with another label',
      () => importPem(exportPem(rfcEs256Jwk).replace(/PUBLIC KEY/g, 'EC PUBLIC KEY')),
    ],
    ['a PEM with a broken body', () => importPem(exportPem(rfcEs256Jwk).replace('M', '*'))],
    ['two PEM blocks', () => importPem(exportPem(rfcEs256Jwk) + exportPem(rfcEs256Jwk))],
  ])('reject %s with ERR_KEY_ENCODING_INVALID', (_what, action) => {
    expect(codeOf(action)).toBe('ERR_KEY_ENCODING_INVALID');
  });
});

describe('raw and compressed points', () => {
  it('round-trip every Wycheproof P-256 key through uncompressed and compressed points', () => {
    for (const group of ecdsaGroups) {
      const jwk = importRawPublicKey(hex(group.publicKey.uncompressed), 'ES256');
      expect(Buffer.from(exportRawPublicKey(jwk)).toString('hex')).toBe(
        group.publicKey.uncompressed,
      );
      const compressed = exportRawPublicKey(jwk, { compressed: true });
      expect(compressed).toEqual(p256.Point.fromHex(group.publicKey.uncompressed).toBytes(true));
      expect(importRawPublicKey(compressed, 'ES256')).toEqual(jwk);
    }
  });

  it('round-trip Ed25519 points, and ignore `compressed` for them', () => {
    for (const group of eddsaGroups) {
      const jwk = importRawPublicKey(hex(group.publicKey.pk), 'EdDSA');
      expect(jwk).toEqual({ kty: 'OKP', crv: 'Ed25519', x: group.publicKeyJwk.x });
      expect(Buffer.from(exportRawPublicKey(jwk, { compressed: true })).toString('hex')).toBe(
        group.publicKey.pk,
      );
    }
  });

  it.each<[string, Uint8Array, SignatureAlgorithm]>([
    ['x‖y without the 04 prefix', exportRawPublicKey(rfcEs256Jwk).subarray(1), 'ES256'],
    [
      'a hybrid 06 prefix',
      Uint8Array.from([0x06, ...exportRawPublicKey(rfcEs256Jwk).subarray(1)]),
      'ES256',
    ],
    [
      'an x with no point on the curve',
      Uint8Array.from([0x02, ...Buffer.alloc(32, 0xff)]),
      'ES256',
    ],
    ['a 31-byte Ed25519 key', new Uint8Array(31), 'EdDSA'],
    ['a small-order Ed25519 key', ed25519.Point.ZERO.toBytes(), 'EdDSA'],
  ])('reject %s with ERR_KEY_ENCODING_INVALID', (_what, bytes, alg) => {
    expect(codeOf(() => importRawPublicKey(bytes, alg))).toBe('ERR_KEY_ENCODING_INVALID');
  });
});
