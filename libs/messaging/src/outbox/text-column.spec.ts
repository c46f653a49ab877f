import { jsonTextColumn, textColumn, textColumnSql, textColumnsSql } from './text-column';

describe('textColumn', () => {
  it('joins text, numbers and bigints with U+001E and writes NULL as U+001F', () => {
    expect(textColumn(['a', 1, 2n, null, 'wallet_x'])).toBe(
      'a\u001e1\u001e2\u001e\u001f\u001ewallet_x',
    );
  });

  it('is empty for no values', () => {
    expect(textColumn([])).toBe('');
  });

  it.each([[''], ['\u001f'], ['a\u001eb']])(
    'refuses %j, which would not come back as the same value',
    (value) => {
      expect(() => textColumn(['ok', value])).toThrow(TypeError);
    },
  );

  it('accepts U+001F inside a longer value and any other character', () => {
    expect(textColumn(['a\u001fb', 'é"{},\\ NULL'])).toBe('a\u001fb\u001eé"{},\\ NULL');
  });
});

describe('jsonTextColumn', () => {
  it('joins JSON texts whose strings hold the separator, the NULL mark and line feeds, and splits back to them', () => {
    const jsonTexts = [{ a: 'x\u001ey' }, { b: '\u001f' }, 'line\nfeed', null].map((value) =>
      JSON.stringify(value),
    );
    const column = jsonTextColumn(jsonTexts).toString('utf8');
    expect(column.split('\u001e')).toEqual(jsonTexts);
    expect(column.split('\u001e').map((text) => JSON.parse(text) as unknown)).toEqual([
      { a: 'x\u001ey' },
      { b: '\u001f' },
      'line\nfeed',
      null,
    ]);
  });

  it('writes non-ASCII text as UTF-8 and no values as an empty column', () => {
    expect(jsonTextColumn(['"é"', '"€"']).toString('utf8')).toBe('"é"\u001e"€"');
    expect(jsonTextColumn([]).length).toBe(0);
  });
});

describe('textColumnSql', () => {
  it('splits the parameter back into an array of the type', () => {
    expect(textColumnSql(3, 'bigint')).toBe(
      "string_to_array($3::text, E'\\x1e', E'\\x1f')::bigint[]",
    );
    expect(textColumnsSql(['uuid', 'text'], 4)).toBe(
      "string_to_array($4::text, E'\\x1e', E'\\x1f')::uuid[], string_to_array($5::text, E'\\x1e', E'\\x1f')::text[]",
    );
  });
});
