// The codec: RFC 8471 layout, strictness, and round trips (fast-check).
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { base64UrlEncode } from '@settle/crypto';
import {
  type TokenBinding,
  type TokenBindingMessage,
  decodeSecTokenBindingHeader,
  encodeSecTokenBindingHeader,
  encodeTokenBindingId,
  encodeTokenBindingMessage,
  parseTokenBindingMessage,
  tokenBindingHeaderLengthMaxChars,
  tokenBindingIdHash,
  tokenBindingMessageSizeMaxBytes,
} from '../index';
import {
  vectorHeader,
  vectorMessageBytes,
  vectorPoint,
  vectorSignature,
  vectorTokenBindingIdBytes,
} from '../testing/vectors';
import { concatBytes } from './bytes';

const allKeyParameters = ['ecdsap256', 'rsa2048_pkcs1.5', 'rsa2048_pss'] as const;

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

function withByte(bytes: Uint8Array, index: number, value: number): Uint8Array {
  const copy = bytes.slice();
  copy[index] = value;
  return copy;
}

describe('the RFC 8471 format vector', () => {
  it('is 139 bytes laid out as RFC 8471 §3 says, and its header is the unpadded base64url', () => {
    expect(vectorMessageBytes.length).toBe(2 + 1 + 68 + 2 + 64 + 2);
    expect(encodeSecTokenBindingHeader(vectorMessageBytes)).toBe(vectorHeader);
    expect(Buffer.from(decodeSecTokenBindingHeader(vectorHeader))).toEqual(
      Buffer.from(vectorMessageBytes),
    );
  });

  it('parses to its fields and encodes back to the same bytes', () => {
    const message = parseTokenBindingMessage(vectorMessageBytes);
    expect(message).toEqual({
      tokenBindings: [
        {
          type: 'provided_token_binding',
          tokenBindingId: { keyParameters: 'ecdsap256', point: vectorPoint },
          signature: vectorSignature,
          extensions: [],
        },
      ],
    });
    expect(Buffer.from(encodeTokenBindingMessage(message))).toEqual(
      Buffer.from(vectorMessageBytes),
    );
    expect(Buffer.from(encodeTokenBindingId(message.tokenBindings[0]!.tokenBindingId))).toEqual(
      Buffer.from(vectorTokenBindingIdBytes),
    );
  });

  it('hashes the 68-byte TokenBindingID with SHA-256 for the cnf claim (checked with node:crypto)', () => {
    const expected = base64UrlEncode(
      createHash('sha256').update(vectorTokenBindingIdBytes).digest(),
    );
    expect(tokenBindingIdHash({ keyParameters: 'ecdsap256', point: vectorPoint })).toBe(expected);
    expect(expected).toBe('Feey6ASdIQQnU-XO39p9YBRLvOkTg8WZGCmk1sNZcFA');
  });
});

describe('parseTokenBindingMessage rejects', () => {
  it('trailing bytes, and every truncation', () => {
    expect(
      codeOf(() =>
        parseTokenBindingMessage(concatBytes([vectorMessageBytes, new Uint8Array([0])])),
      ),
    ).toBe('ERR_TB_MALFORMED');
    for (let length = 0; length < vectorMessageBytes.length; length++) {
      expect(codeOf(() => parseTokenBindingMessage(vectorMessageBytes.subarray(0, length)))).toBe(
        'ERR_TB_MALFORMED',
      );
    }
  });

  it('input over the size limit, before decoding', () => {
    expect(
      codeOf(() => parseTokenBindingMessage(new Uint8Array(tokenBindingMessageSizeMaxBytes + 1))),
    ).toBe('ERR_TB_MESSAGE_TOO_LARGE');
    expect(
      codeOf(() => decodeSecTokenBindingHeader('A'.repeat(tokenBindingHeaderLengthMaxChars + 1))),
    ).toBe('ERR_TB_MESSAGE_TOO_LARGE');
  });

  it('an unknown TokenBindingType', () => {
    expect(codeOf(() => parseTokenBindingMessage(withByte(vectorMessageBytes, 2, 2)))).toBe(
      'ERR_TB_TYPE_UNKNOWN',
    );
    expect(codeOf(() => parseTokenBindingMessage(withByte(vectorMessageBytes, 2, 255)))).toBe(
      'ERR_TB_TYPE_UNKNOWN',
    );
  });

  it('key parameters that are unknown or not in the allow-list (ecdsap256 only by default)', () => {
    expect(codeOf(() => parseTokenBindingMessage(withByte(vectorMessageBytes, 3, 3)))).toBe(
      'ERR_TB_KEY_PARAMETERS_NOT_ALLOWED',
    );
    expect(codeOf(() => parseTokenBindingMessage(withByte(vectorMessageBytes, 3, 1)))).toBe(
      'ERR_TB_KEY_PARAMETERS_NOT_ALLOWED',
    );
    expect(
      codeOf(() =>
        parseTokenBindingMessage(vectorMessageBytes, { allowedKeyParameters: ['rsa2048_pss'] }),
      ),
    ).toBe('ERR_TB_KEY_PARAMETERS_NOT_ALLOWED');
    // Allowed, but then the 65-byte key is not an RSA-2048 public key.
    expect(
      codeOf(() =>
        parseTokenBindingMessage(withByte(vectorMessageBytes, 3, 1), {
          allowedKeyParameters: [...allKeyParameters],
        }),
      ),
    ).toBe('ERR_TB_MALFORMED');
  });

  it('a point with the SEC 1 0x04 prefix (65 bytes), and inconsistent key lengths', () => {
    const prefixed = concatBytes([
      new Uint8Array([0x00, 0x8a, 0x00, 0x02, 0x00, 0x42, 0x41, 0x04]),
      vectorPoint,
      new Uint8Array([0x00, 0x40]),
      vectorSignature,
      new Uint8Array([0x00, 0x00]),
    ]);
    expect(codeOf(() => parseTokenBindingMessage(prefixed))).toBe('ERR_TB_MALFORMED');
    expect(codeOf(() => parseTokenBindingMessage(withByte(vectorMessageBytes, 5, 0x42)))).toBe(
      'ERR_TB_MALFORMED',
    ); // key_length 66
    expect(codeOf(() => parseTokenBindingMessage(withByte(vectorMessageBytes, 6, 0x3f)))).toBe(
      'ERR_TB_MALFORMED',
    ); // point length 63
  });

  it('a signature that is not 64 bytes (e.g. DER)', () => {
    const derLength = concatBytes([
      new Uint8Array([0x00, 0x8b]),
      vectorMessageBytes.subarray(2, 71),
      new Uint8Array([0x00, 0x42, 0x30, 0x40]),
      vectorSignature,
      new Uint8Array([0x00, 0x00]),
    ]);
    expect(codeOf(() => parseTokenBindingMessage(derLength))).toBe('ERR_TB_MALFORMED');
  });

  it('a tokenbindings vector shorter than 132 bytes or with a wrong length', () => {
    expect(codeOf(() => parseTokenBindingMessage(new Uint8Array([0x00, 0x00])))).toBe(
      'ERR_TB_MALFORMED',
    );
    expect(
      codeOf(() =>
        parseTokenBindingMessage(concatBytes([new Uint8Array([0x00, 0x03]), new Uint8Array(3)])),
      ),
    ).toBe('ERR_TB_MALFORMED');
    expect(codeOf(() => parseTokenBindingMessage(withByte(vectorMessageBytes, 1, 0x8a)))).toBe(
      'ERR_TB_MALFORMED',
    );
    expect(codeOf(() => parseTokenBindingMessage(withByte(vectorMessageBytes, 1, 0x88)))).toBe(
      'ERR_TB_MALFORMED',
    );
  });

  it('a malformed extensions vector', () => {
    const last = vectorMessageBytes.length - 1;
    expect(codeOf(() => parseTokenBindingMessage(withByte(vectorMessageBytes, last, 1)))).toBe(
      'ERR_TB_MALFORMED',
    );
  });

  it('header values that are not canonical unpadded base64url', () => {
    for (const header of [
      '',
      `${vectorHeader}=`,
      ` ${vectorHeader}`,
      `${vectorHeader}, ${vectorHeader}`,
      vectorHeader.replace(/-/g, '+'),
      `${vectorHeader.slice(0, -1)}B`,
    ]) {
      expect(codeOf(() => decodeSecTokenBindingHeader(header))).toBe(
        'ERR_TB_HEADER_ENCODING_INVALID',
      );
    }
  });

  it('a bad allow-list as a programmer error', () => {
    expect(
      codeOf(() => parseTokenBindingMessage(vectorMessageBytes, { allowedKeyParameters: [] })),
    ).toBe('ERR_TB_INVALID_ARGUMENT');
    expect(
      codeOf(() =>
        parseTokenBindingMessage(vectorMessageBytes, {
          allowedKeyParameters: ['ecdsap384' as 'ecdsap256'],
        }),
      ),
    ).toBe('ERR_TB_INVALID_ARGUMENT');
  });
});

describe('round trips (fast-check)', () => {
  const bytes = (length: number) => fc.uint8Array({ minLength: length, maxLength: length });
  const tokenBindingId = fc.oneof(
    fc.record({ keyParameters: fc.constant('ecdsap256' as const), point: bytes(64) }),
    fc.record({
      keyParameters: fc.constantFrom('rsa2048_pkcs1.5' as const, 'rsa2048_pss' as const),
      modulus: bytes(256),
      publicExponent: fc.uint8Array({ minLength: 1, maxLength: 8 }),
    }),
  );
  const tokenBinding: fc.Arbitrary<TokenBinding> = tokenBindingId.chain((id) =>
    fc.record({
      type: fc.constantFrom('provided_token_binding' as const, 'referred_token_binding' as const),
      tokenBindingId: fc.constant(id),
      signature: bytes(id.keyParameters === 'ecdsap256' ? 64 : 256),
      extensions: fc.array(
        fc.record({
          type: fc.integer({ min: 0, max: 255 }),
          data: fc.uint8Array({ maxLength: 40 }),
        }),
        { maxLength: 3 },
      ),
    }),
  );
  const message: fc.Arbitrary<TokenBindingMessage> = fc.record({
    tokenBindings: fc.array(tokenBinding, { minLength: 1, maxLength: 3 }),
  });

  it('parse(encode(message)) gives the message back, and encode(parse(bytes)) the bytes', () => {
    fc.assert(
      fc.property(message, (original) => {
        const encoded = encodeTokenBindingMessage(original);
        const parsed = parseTokenBindingMessage(encoded, {
          allowedKeyParameters: [...allKeyParameters],
        });
        expect(parsed).toEqual(original);
        expect(Buffer.from(encodeTokenBindingMessage(parsed))).toEqual(Buffer.from(encoded));
        expect(
          Buffer.from(decodeSecTokenBindingHeader(encodeSecTokenBindingHeader(encoded))),
        ).toEqual(Buffer.from(encoded));
      }),
      { numRuns: 300 },
    );
  });

  it('any single-byte change of the vector either is rejected or parses to different content', () => {
    fc.assert(
      fc.property(
        fc.nat(vectorMessageBytes.length - 1),
        fc.integer({ min: 1, max: 255 }),
        (index, mask) => {
          const corrupted = withByte(vectorMessageBytes, index, vectorMessageBytes[index]! ^ mask);
          let reencoded: Uint8Array | undefined;
          try {
            reencoded = encodeTokenBindingMessage(parseTokenBindingMessage(corrupted));
          } catch (error) {
            expect((error as { code?: string }).code).toMatch(/^ERR_TB_/);
            return;
          }
          // The codec is a bijection: a changed byte is a changed field, never silently normalised.
          expect(Buffer.from(reencoded)).toEqual(Buffer.from(corrupted));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('encodeTokenBindingMessage refuses what parse would refuse', () => {
    const binding = parseTokenBindingMessage(vectorMessageBytes).tokenBindings[0]!;
    expect(codeOf(() => encodeTokenBindingMessage({ tokenBindings: [] }))).toBe(
      'ERR_TB_INVALID_ARGUMENT',
    );
    expect(
      codeOf(() =>
        encodeTokenBindingMessage({
          tokenBindings: [{ ...binding, signature: new Uint8Array(63) }],
        }),
      ),
    ).toBe('ERR_TB_INVALID_ARGUMENT');
    expect(
      codeOf(() =>
        encodeTokenBindingMessage({
          tokenBindings: [
            {
              ...binding,
              tokenBindingId: { keyParameters: 'ecdsap256', point: new Uint8Array(65) },
            },
          ],
        }),
      ),
    ).toBe('ERR_TB_INVALID_ARGUMENT');
    expect(
      codeOf(() =>
        encodeTokenBindingMessage({ tokenBindings: Array.from({ length: 15 }, () => binding) }),
      ),
    ).toBe('ERR_TB_MESSAGE_TOO_LARGE');
  });
});
