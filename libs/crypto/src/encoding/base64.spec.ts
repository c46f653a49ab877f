import fc from 'fast-check';
import { isCryptoError } from '../errors';
import { base64Decode, base64Encode, base64UrlDecode, base64UrlEncode } from './base64';

const ascii = (text: string) => new TextEncoder().encode(text);

describe('base64 and base64url', () => {
  // RFC 4648 §10 test vectors.
  it.each([
    ['', ''],
    ['f', 'Zg=='],
    ['fo', 'Zm8='],
    ['foo', 'Zm9v'],
    ['foob', 'Zm9vYg=='],
    ['fooba', 'Zm9vYmE='],
    ['foobar', 'Zm9vYmFy'],
  ])('encodes %j as %s (RFC 4648 §10)', (text, encoded) => {
    expect(base64Encode(ascii(text))).toBe(encoded);
    expect(base64Decode(encoded)).toEqual(ascii(text));
    expect(base64UrlEncode(ascii(text))).toBe(encoded.replace(/=+$/, ''));
    expect(base64UrlDecode(encoded.replace(/=+$/, ''))).toEqual(ascii(text));
  });

  it('uses the URL-safe alphabet for base64url', () => {
    expect(base64UrlEncode(new Uint8Array([0xfb, 0xff]))).toBe('-_8');
    expect(base64Encode(new Uint8Array([0xfb, 0xff]))).toBe('+/8=');
  });

  it.each([
    ['padding', 'Zg=='],
    ['standard alphabet', '+/8'],
    ['whitespace', 'Zm9v Yg'],
    ['impossible length', 'Zm9vY'],
    [
      'non-zero unused bits (RFC 8705 §3.1 example value)',
      'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2',
    ],
    ['non-ASCII', 'Zm9vYé'],
  ])('base64url rejects %s', (_what, text) => {
    expect(base64UrlDecode(text)).toBeUndefined();
  });

  it('base64 rejects unpadded and non-canonical input with ERR_INVALID_ARGUMENT', () => {
    for (const text of ['Zg', 'Zh==', 'Zm9=', '-_8=']) {
      expect(() => base64Decode(text)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
      );
    }
    expect(
      isCryptoError(
        captured(() => base64Decode('Zg')),
        'ERR_INVALID_ARGUMENT',
      ),
    ).toBe(true);
  });

  it('agrees with Buffer on random bytes, both ways', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const buffer = Buffer.from(bytes);
        expect(base64UrlEncode(bytes)).toBe(buffer.toString('base64url'));
        expect(base64Encode(bytes)).toBe(buffer.toString('base64'));
        expect(base64UrlDecode(buffer.toString('base64url'))).toEqual(bytes);
        expect(base64Decode(buffer.toString('base64'))).toEqual(bytes);
      }),
    );
  });
});

function captured(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}
