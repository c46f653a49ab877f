import { tokenBindingErrorCodes } from './index';

describe('tokenBindingErrorCodes', () => {
  it('is closed, ordered and append-only (change this list only by appending)', () => {
    expect(tokenBindingErrorCodes).toEqual([
      'ERR_TB_INVALID_ARGUMENT',
      'ERR_TB_MESSAGE_TOO_LARGE',
      'ERR_TB_HEADER_ENCODING_INVALID',
      'ERR_TB_MALFORMED',
      'ERR_TB_TYPE_UNKNOWN',
      'ERR_TB_KEY_PARAMETERS_NOT_ALLOWED',
      'ERR_TB_EXTENSIONS_NOT_ALLOWED',
      'ERR_TB_BINDINGS_INVALID',
      'ERR_TB_KEY_INVALID',
      'ERR_TB_SIGNATURE_INVALID',
      'ERR_TB_TLS_STATE_INVALID',
      'ERR_TB_ASSERTION_FAILED',
    ]);
  });
});
