// Found by apps/verifier/src/upload/upload.property.int-spec.ts: a bit flip turned a map key into a
// byte string, and the field the verifier named (decoding a Node Buffer) differed from the one the
// model named (decoding a Uint8Array): "X|Ò" against "88,124,210".
import { mapKeyName, readLabelledMap } from './fields';
import { ProtocolError } from './errors';

const bytes = [0x58, 0x7c, 0xd2];

function fieldOf(key: unknown): string {
  try {
    readLabelledMap(new Map<unknown, unknown>([[key, 1]]), 'settle/test/v1', ['one'], 'request');
  } catch (error) {
    if (error instanceof ProtocolError) return `${error.code} ${error.field}`;
    throw error;
  }
  throw new Error('refused nothing');
}

describe('mapKeyName', () => {
  it('names a byte-string key the same whatever array type the decoder gave it', () => {
    expect(fieldOf(new Uint8Array(bytes))).toBe("FIELD_UNKNOWN request/h'587cd2'");
    expect(fieldOf(Buffer.from(bytes))).toBe("FIELD_UNKNOWN request/h'587cd2'");
  });

  it('names numbers and text as they are, and anything else by its type', () => {
    expect([7, -1, 2n ** 70n, 'x', null, true, [1]].map(mapKeyName)).toEqual([
      '7',
      '-1',
      '1180591620717411303424',
      'x',
      '(null)',
      '(boolean)',
      '(object)',
    ]);
  });
});
