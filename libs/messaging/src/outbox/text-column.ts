/** Separates the values of a column sent as one text (ASCII record separator, never in an id). */
const textColumnSeparator = '\u001e';
const textColumnSeparatorByte = 0x1e;
/** A value that stands for SQL NULL in such a column (ASCII unit separator alone). */
const textColumnNull = '\u001f';

/** A value of a set-based write's column: text, a number or a bigint (sent as decimal), or NULL. */
export type TextColumnValue = string | number | bigint | null;

/**
 * One column of a set-based write as a single text parameter, which `textColumnSql` turns back into
 * an array in PostgreSQL. `pg` sends a JS array as an array literal it builds element by element
 * (quoting and escaping each, two regular expressions per value): a tenth of a settlement's journal
 * writes in the bench/ledger profile; a join is one native call. Values must not contain the
 * separator (U+001E), be exactly U+001F, or be empty (an empty text is an empty column): a programming
 * error, thrown, since the row count would no longer match.
 */
export function textColumn(values: readonly TextColumnValue[]): string {
  for (const value of values) {
    if (
      typeof value === 'string' &&
      (value.length === 0 || value === textColumnNull || value.includes(textColumnSeparator))
    )
      throw new TypeError(
        `a text column value may not be empty, U+001F, or contain U+001E: ${JSON.stringify(value)}`,
      );
  }
  return values.map((value) => (value === null ? textColumnNull : value)).join(textColumnSeparator);
}

/**
 * A column of JSON texts (`JSON.stringify` outputs) as one `textColumn`, without the per-value check:
 * JSON escapes every control character (U+0000–U+001F) and is never empty, so neither the separator
 * nor the NULL mark can occur, and scanning kilobytes of envelopes for them would be wasted.
 *
 * Written straight into one buffer of UTF-8 bytes, which pg sends as the parameter's bytes (binary
 * format, which for text is the text itself): joining a batch's envelopes into one string of half a
 * megabyte, then encoding it, was a fifth of an outbox append's CPU (bench/backbone).
 */
export function jsonTextColumn(jsonTexts: readonly string[]): Buffer {
  let byteLength = Math.max(jsonTexts.length - 1, 0);
  for (const text of jsonTexts) byteLength += Buffer.byteLength(text);
  const column = Buffer.allocUnsafe(byteLength);
  let offset = 0;
  for (let index = 0; index < jsonTexts.length; index++) {
    if (index > 0) column[offset++] = textColumnSeparatorByte;
    offset += column.write(jsonTexts[index] as string, offset);
  }
  return column;
}

/**
 * The SQL array of the `textColumn` in parameter `$<parameter>`, cast to `<type>[]` (e.g. `bigint`,
 * `timestamptz`, `uuid`); for `unnest(…)` or `= ANY(…)`.
 */
export function textColumnSql(parameter: number, type = 'text'): string {
  return `string_to_array($${parameter}::text, E'\\x1e', E'\\x1f')::${type}[]`;
}

/** `textColumnSql` of consecutive parameters from `$<first>`, one per type, comma-separated (`unnest`'s arguments). */
export function textColumnsSql(types: readonly string[], first = 1): string {
  return types.map((type, index) => textColumnSql(first + index, type)).join(', ');
}
