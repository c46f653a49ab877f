/**
 * The hash chain's canonical encoding (`canonicalEntryEncoding` in domain/hash-chain.ts) written in
 * SQL, so that PostgreSQL can hash a whole journal set-based (the rebuild). It must produce the very
 * bytes JSON.stringify produces: strings through `to_json` (PostgreSQL escapes `"`, `\`, \b \f \n \r \t
 * and other control characters as `\u00xx`, lower-case, exactly as JSON.stringify does; text cannot
 * hold the lone surrogates JSON.stringify would escape), integers unquoted, the sequence and amounts
 * as quoted decimal strings, null as `null`, no whitespace, and `postedAt` in the RFC 3339 millisecond
 * form of Date#toISOString. `check-journal.int-spec.ts` pins the two encodings equal, awkward
 * characters included.
 */

/**
 * A column whose CHECK constraint admits only characters JSON never escapes (side, kind, currency,
 * previous hash: migrations/0002) is quoted as it is, which saves PostgreSQL a to_json call per value.
 */
const quotedPlain = (expression: string) => `'"' || ${expression} || '"'`;

/** A JSON string or `null`, as JSON.stringify writes a string-or-null field. */
const jsonOrNull = (expression: string) => `coalesce(to_json(${expression})::text, 'null')`;

/** One posting `[accountId, side, amount, currency]`; aggregate these with `string_agg(…, ',' ORDER BY posting_index)`. */
export function canonicalPostingSql(posting: string): string {
  return `'[' || to_json(${posting}.account_id)::text || ',' || ${quotedPlain(`${posting}.side`)} || ',"' || ${posting}.amount::text || '",' || ${quotedPlain(`${posting}.currency`)} || ']'`;
}

/** The encoded entry, given the entry's alias and an expression holding its joined canonical postings. */
export function canonicalEntrySql(entry: string, postings: string): string {
  return [
    `'["settle.ledger.entry.v1",'`,
    `to_json(${entry}.entry_id)::text`,
    `','`,
    `${entry}.partition::text`,
    `','`,
    `to_json(${entry}.partition_key)::text`,
    `',"'`,
    `${entry}.sequence::text`,
    `'",'`,
    quotedPlain(`${entry}.kind`),
    `','`,
    jsonOrNull(`${entry}.transaction_id`),
    `','`,
    jsonOrNull(`${entry}.original_entry_id`),
    `',['`,
    postings,
    `'],'`,
    jsonOrNull(`${entry}.fee_schedule_version`),
    `',"'`,
    `to_char(${entry}.posted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
    `'",'`,
    quotedPlain(`${entry}.previous_hash`),
    `']'`,
  ].join(' || ');
}

/** SHA-256 of the encoding in lower-case hex, as `entryHash`; null when the entry has no postings. */
export function entryHashSql(entry: string, postings: string): string {
  return `encode(sha256(convert_to(${canonicalEntrySql(entry, postings)}, 'UTF8')), 'hex')`;
}
