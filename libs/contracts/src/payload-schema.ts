/**
 * Just enough typing to tie a payload schema to its TypeScript type: the compiler checks that the
 * schema names exactly the interface's properties, that each has the right JSON type, that nullable
 * fields say `nullable: true` and that closed string unions list their values in `enum`.
 *
 * Why not ajv's `JSONSchemaType`: it cannot express a required property whose value may be null
 * (it treats `nullable` as "optional"), and every contract here has required-but-nullable fields,
 * because "absent" and "unknown" must not be two different wire forms of one fact.
 *
 * What the types cannot check (every property listed in `required`, `additionalProperties: false`
 * everywhere) `contract-style.spec.ts` checks on every schema of the catalogue.
 */
type Keyword = { readonly [keyword: string]: unknown };

type NullableMark<TValue> = null extends TValue
  ? { readonly nullable: true }
  : { readonly nullable?: false };

/** A closed union of string literals must list its values (and null, if nullable) in `enum`. */
type EnumMark<TValue> = [Exclude<TValue, null>] extends [string]
  ? string extends Exclude<TValue, null>
    ? unknown
    : { readonly enum: readonly TValue[] }
  : unknown;

type JsonTypeOf<TValue> = [TValue] extends [string]
  ? { readonly type: 'string' }
  : [TValue] extends [number]
    ? { readonly type: 'integer' | 'number' }
    : [TValue] extends [boolean]
      ? { readonly type: 'boolean' }
      : [TValue] extends [readonly (infer TItem)[]]
        ? { readonly type: 'array'; readonly items: FieldSchema<TItem> }
        : { readonly type: 'object' };

/** The schema of one field of type `TValue`. Nested objects are typed with their own `ObjectSchema`. */
export type FieldSchema<TValue> = JsonTypeOf<Exclude<TValue, null>> &
  NullableMark<TValue> &
  EnumMark<TValue> &
  Keyword;

/** A closed object: exactly the interface's properties, none other allowed. */
export type ObjectSchema<TObject> = {
  readonly type: 'object';
  readonly additionalProperties: false;
  readonly required: readonly (keyof TObject & string)[];
  readonly properties: { readonly [TKey in keyof TObject]-?: FieldSchema<TObject[TKey]> };
} & Keyword;
