import { type ObjectSchema } from './payload-schema';
import { base64url32BytesPattern, identifierSchema } from './schema-fragments';

/**
 * Shapes that several contracts embed. They are part of every contract that uses them, so they are
 * frozen too: a new shape gets a new name here, it never replaces one.
 */

/** Who holds a key: a consumer's phone or a merchant's terminal. */
export const keyOwnerKinds = ['device', 'terminal'] as const;
export type KeyOwnerKind = (typeof keyOwnerKinds)[number];

export interface KeyOwner {
  readonly kind: KeyOwnerKind;
  readonly id: string;
}

export const keyOwnerSchema: ObjectSchema<KeyOwner> = {
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'id'],
  properties: {
    kind: { type: 'string', enum: keyOwnerKinds },
    id: identifierSchema,
  },
};

/** What a key may sign: payments (user-authenticated) or TLS token bindings (silent). Never both. */
export const keyPurposes = ['payment', 'binding'] as const;
export type KeyPurpose = (typeof keyPurposes)[number];

/** ES256 is what phone secure hardware offers; EdDSA is accepted for software-wallet payment keys only. */
export const keyAlgorithms = ['ES256', 'EdDSA'] as const;
export type KeyAlgorithm = (typeof keyAlgorithms)[number];

/** A P-256 public key as a JWK: only the members RFC 7638 hashes, so no private member can slip in. */
export interface EcP256PublicJwk {
  readonly kty: 'EC';
  readonly crv: 'P-256';
  readonly x: string;
  readonly y: string;
}

/** An Ed25519 public key as a JWK (RFC 8037). */
export interface Ed25519PublicJwk {
  readonly kty: 'OKP';
  readonly crv: 'Ed25519';
  readonly x: string;
}

export type PublicJwk = EcP256PublicJwk | Ed25519PublicJwk;

const coordinateSchema = {
  type: 'string',
  pattern: base64url32BytesPattern,
  maxLength: 43,
} as const;

const ecP256PublicJwkSchema: ObjectSchema<EcP256PublicJwk> = {
  type: 'object',
  additionalProperties: false,
  required: ['kty', 'crv', 'x', 'y'],
  properties: {
    kty: { type: 'string', enum: ['EC'] },
    crv: { type: 'string', enum: ['P-256'] },
    x: coordinateSchema,
    y: coordinateSchema,
  },
};

const ed25519PublicJwkSchema: ObjectSchema<Ed25519PublicJwk> = {
  type: 'object',
  additionalProperties: false,
  required: ['kty', 'crv', 'x'],
  properties: {
    kty: { type: 'string', enum: ['OKP'] },
    crv: { type: 'string', enum: ['Ed25519'] },
    x: coordinateSchema,
  },
};

/**
 * The `kty` discriminator makes ajv check only the matching branch, so an error names the bad member
 * of that branch (e.g. a private `d`) instead of "matches no branch".
 */
export const publicJwkSchema = {
  type: 'object',
  discriminator: { propertyName: 'kty' },
  required: ['kty'],
  properties: { kty: { type: 'string', enum: ['EC', 'OKP'] } },
  oneOf: [ecP256PublicJwkSchema, ed25519PublicJwkSchema],
} as const;
