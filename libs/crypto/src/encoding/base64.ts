import { CryptoError, assert } from '../errors';

// One codec for both alphabets, written here rather than taken from Buffer (absent in browsers) or
// a lenient decoder: key material must have exactly one encoding, or one key could have two JWK
// thumbprints. Decoding therefore rejects padding where it is not expected, characters outside the
// alphabet and non-zero unused bits in the last character (RFC 4648 §3.5 "canonical encoding").

const base64UrlAlphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const base64Alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function buildDecodeTable(alphabet: string): Int16Array {
  const table = new Int16Array(128).fill(-1);
  for (let index = 0; index < alphabet.length; index++) table[alphabet.charCodeAt(index)] = index;
  return table;
}

const base64UrlDecodeTable = buildDecodeTable(base64UrlAlphabet);
const base64DecodeTable = buildDecodeTable(base64Alphabet);

function encodeWith(bytes: Uint8Array, alphabet: string, padded: boolean): string {
  let output = '';
  let index = 0;
  for (; index + 2 < bytes.length; index += 3) {
    const triple = (bytes[index]! << 16) | (bytes[index + 1]! << 8) | bytes[index + 2]!;
    output +=
      alphabet[triple >> 18]! +
      alphabet[(triple >> 12) & 63]! +
      alphabet[(triple >> 6) & 63]! +
      alphabet[triple & 63]!;
  }
  const remaining = bytes.length - index;
  if (remaining === 1) {
    const single = bytes[index]!;
    output += alphabet[single >> 2]! + alphabet[(single & 3) << 4]! + (padded ? '==' : '');
  } else if (remaining === 2) {
    const pair = (bytes[index]! << 8) | bytes[index + 1]!;
    output +=
      alphabet[pair >> 10]! +
      alphabet[(pair >> 4) & 63]! +
      alphabet[(pair & 15) << 2]! +
      (padded ? '=' : '');
  }
  assert(
    output.length ===
      (padded ? Math.ceil(bytes.length / 3) * 4 : Math.ceil((bytes.length * 4) / 3)),
    'base64 length',
  );
  return output;
}

function decodeWith(text: string, table: Int16Array, what: string): Uint8Array | undefined {
  if (text.length % 4 === 1) return undefined;
  const output = new Uint8Array(Math.floor((text.length * 3) / 4));
  let buffer = 0;
  let bits = 0;
  let written = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    const value = code < 128 ? table[code]! : -1;
    if (value < 0) return undefined;
    buffer = ((buffer << 6) | value) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      output[written++] = (buffer >> bits) & 0xff;
    }
  }
  // Leftover bits must be zero, or two strings would decode to the same bytes.
  if ((buffer & ((1 << bits) - 1)) !== 0) return undefined;
  assert(written === output.length, `${what} decoded length`);
  return output;
}

/**
 * Encodes bytes as unpadded base64url (RFC 4648 §5), the encoding of every JOSE member.
 *
 * @example
 * ```ts
 * base64UrlEncode(new Uint8Array([0xfb, 0xff])); // '-_8'
 * ```
 */
export function base64UrlEncode(bytes: Uint8Array): string {
  return encodeWith(bytes, base64UrlAlphabet, false);
}

/**
 * Decodes unpadded, canonical base64url; `undefined` for anything else (padding, `+`, `/`,
 * whitespace, non-zero unused bits).
 *
 * @example
 * ```ts
 * base64UrlDecode('-_8'); // Uint8Array [0xfb, 0xff]
 * base64UrlDecode('-_9'); // undefined (non-canonical)
 * ```
 */
export function base64UrlDecode(text: string): Uint8Array | undefined {
  return decodeWith(text, base64UrlDecodeTable, 'base64url');
}

/**
 * Encodes bytes as padded standard base64 (RFC 4648 §4), as in PEM bodies.
 *
 * @example
 * ```ts
 * base64Encode(new Uint8Array([0xfb, 0xff])); // '+/8='
 * ```
 */
export function base64Encode(bytes: Uint8Array): string {
  return encodeWith(bytes, base64Alphabet, true);
}

/**
 * Decodes padded, canonical standard base64; throws `ERR_INVALID_ARGUMENT` on anything else.
 *
 * @example
 * ```ts
 * base64Decode('+/8='); // Uint8Array [0xfb, 0xff]
 * ```
 */
export function base64Decode(text: string): Uint8Array {
  const paddingLength = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const decoded =
    text.length % 4 === 0
      ? decodeWith(text.slice(0, text.length - paddingLength), base64DecodeTable, 'base64')
      : undefined;
  if (decoded === undefined)
    throw new CryptoError('ERR_INVALID_ARGUMENT', 'not canonical padded base64');
  return decoded;
}
