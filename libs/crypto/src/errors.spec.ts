import { CryptoError, assert, cryptoErrorCodes, isCryptoError } from './errors';

describe('CryptoError', () => {
  it('keeps the code set closed and append-only: this list only ever grows at the end', () => {
    // Changing an existing line here breaks callers that switch on the code.
    expect(cryptoErrorCodes).toEqual([
      'ERR_INVALID_ARGUMENT',
      'ERR_ALG_NOT_SUPPORTED',
      'ERR_ALG_NOT_ALLOWED',
      'ERR_JWK_INVALID',
      'ERR_KEY_ENCODING_INVALID',
      'ERR_ECDSA_SIGNATURE_ENCODING_INVALID',
      'ERR_CBOR_MALFORMED',
      'ERR_CBOR_DUPLICATE_KEY',
      'ERR_CBOR_INDEFINITE_LENGTH',
      'ERR_CBOR_TRAILING_BYTES',
      'ERR_CBOR_NON_MINIMAL',
      'ERR_CBOR_KEY_ORDER',
      'ERR_CBOR_TYPE_NOT_ALLOWED',
      'ERR_CBOR_TOO_DEEP',
      'ERR_CBOR_NOT_ENCODABLE',
      'ERR_COSE_MESSAGE_TOO_LARGE',
      'ERR_COSE_MALFORMED',
      'ERR_COSE_PAYLOAD_MISMATCH',
      'ERR_COSE_SIGNATURE_INVALID',
      'ERR_ASSERTION_FAILED',
    ]);
    expect(new Set(cryptoErrorCodes).size).toBe(cryptoErrorCodes.length);
  });

  it('carries its code, name and cause', () => {
    const cause = new Error('inner');
    const error = new CryptoError('ERR_COSE_MALFORMED', 'outer', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('CryptoError');
    expect(error.code).toBe('ERR_COSE_MALFORMED');
    expect(error.cause).toBe(cause);
    expect(isCryptoError(error)).toBe(true);
    expect(isCryptoError(error, 'ERR_COSE_MALFORMED')).toBe(true);
    expect(isCryptoError(error, 'ERR_JWK_INVALID')).toBe(false);
    expect(isCryptoError(cause)).toBe(false);
  });

  it('assert throws ERR_ASSERTION_FAILED only when the condition is false', () => {
    expect(() => assert(true, 'holds')).not.toThrow();
    expect(() => assert(false, 'broken')).toThrow(
      expect.objectContaining({ code: 'ERR_ASSERTION_FAILED' }),
    );
  });
});
