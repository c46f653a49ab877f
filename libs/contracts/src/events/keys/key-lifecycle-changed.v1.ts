import {
  keyAlgorithms,
  keyOwnerSchema,
  keyPurposes,
  publicJwkSchema,
  type KeyAlgorithm,
  type KeyOwner,
  type KeyPurpose,
  type PublicJwk,
} from '../../common-payloads';
import { type EventDefinition, type PayloadViolation } from '../../event-definition';
import { type ObjectSchema } from '../../payload-schema';
import {
  enumSchema,
  jsonSchemaDialect,
  keyIdSchema,
  nullableEnumSchema,
  nullableTimestampSchema,
  payloadSchemaId,
  timestampSchema,
} from '../../schema-fragments';

/** A key's history holds at most this many periods; real keys see a handful. */
export const keyHistoryEntriesMax = 64;

export const keyStates = [
  'pending',
  'active',
  'rejected',
  'suspended',
  'revoked',
  'rotated',
] as const;
export type KeyState = (typeof keyStates)[number];

/** States a key never leaves. (A rotated key can still be revoked, e.g. found compromised later.) */
export const finalKeyStates: readonly KeyState[] = ['rejected', 'revoked'];

/** Why a key entered a state; null for the ordinary path (registered, attested). Append-only. */
export const keyStateReasons = [
  'attestation-rejected',
  'compromised',
  'device-lost',
  'device-retired',
  'superseded',
  'account-closed',
  'operator-action',
] as const;
export type KeyStateReason = (typeof keyStateReasons)[number];

/** One period of a key's life: it was in `state` from `validFrom` until `validTo` (exclusive; null = still). */
export interface KeyStatePeriodV1 {
  readonly state: KeyState;
  readonly reason: KeyStateReason | null;
  readonly validFrom: string;
  readonly validTo: string | null;
}

/**
 * key.lifecycle-changed v1 — FROZEN. The whole life of one key, sent again on every change. The topic
 * is compacted by key id, so only the latest event survives — which is why it carries the complete
 * history: "was this key active when the terminal approved at T?" must still have an answer after
 * compaction (DESIGN §3, §5).
 */
export interface KeyLifecycleChangedV1 {
  /** RFC 7638 thumbprint of `publicKeyJwk` (not Apple's App Attest key id). */
  readonly keyId: string;
  readonly owner: KeyOwner;
  readonly purpose: KeyPurpose;
  readonly algorithm: KeyAlgorithm;
  readonly publicKeyJwk: PublicJwk;
  /** Always the state of the last history period. */
  readonly state: KeyState;
  /** Ordered, contiguous periods: each ends exactly when the next begins; only the last is open. */
  readonly history: readonly KeyStatePeriodV1[];
}

const keyStatePeriodV1Schema: ObjectSchema<KeyStatePeriodV1> = {
  type: 'object',
  additionalProperties: false,
  required: ['state', 'reason', 'validFrom', 'validTo'],
  properties: {
    state: enumSchema(keyStates),
    reason: nullableEnumSchema(keyStateReasons),
    validFrom: timestampSchema,
    validTo: nullableTimestampSchema,
  },
};

export const keyLifecycleChangedV1Schema: ObjectSchema<KeyLifecycleChangedV1> = {
  $schema: jsonSchemaDialect,
  $id: payloadSchemaId('key.lifecycle-changed', 1),
  type: 'object',
  additionalProperties: false,
  required: ['keyId', 'owner', 'purpose', 'algorithm', 'publicKeyJwk', 'state', 'history'],
  properties: {
    keyId: keyIdSchema,
    owner: keyOwnerSchema,
    purpose: enumSchema(keyPurposes),
    algorithm: enumSchema(keyAlgorithms),
    publicKeyJwk: publicJwkSchema,
    state: enumSchema(keyStates),
    history: {
      type: 'array',
      items: keyStatePeriodV1Schema,
      minItems: 1,
      maxItems: keyHistoryEntriesMax,
    },
  },
};

/** ES256 needs a P-256 key, EdDSA an Ed25519 one; binding keys sign TLS bindings, which are ES256 only. */
function checkAlgorithm(payload: KeyLifecycleChangedV1): PayloadViolation | null {
  const expectedKty = payload.algorithm === 'ES256' ? 'EC' : 'OKP';
  if (payload.publicKeyJwk.kty !== expectedKty) {
    return {
      field: '/publicKeyJwk/kty',
      message: `${payload.algorithm} needs a ${expectedKty} key`,
    };
  }
  if (payload.purpose === 'binding' && payload.algorithm !== 'ES256') {
    return { field: '/algorithm', message: 'a binding key must be ES256' };
  }
  return null;
}

/** The history is one contiguous timeline ending in the current state. */
function checkHistory(payload: KeyLifecycleChangedV1): PayloadViolation | null {
  const { history } = payload;
  const lastIndex = history.length - 1;
  for (const [index, period] of history.entries()) {
    const next = history[index + 1];
    if (next === undefined) break;
    if (period.validTo !== next.validFrom) {
      return {
        field: `/history/${index}/validTo`,
        message: 'must equal the next period’s validFrom',
      };
    }
    if (period.validTo < period.validFrom) {
      return { field: `/history/${index}/validTo`, message: 'must not precede validFrom' };
    }
    if (finalKeyStates.includes(period.state)) {
      return {
        field: `/history/${index}/state`,
        message: `${period.state} is final but is not the last period`,
      };
    }
  }
  const last = history[lastIndex];
  if (last === undefined || last.validTo !== null) {
    return {
      field: `/history/${lastIndex}/validTo`,
      message: 'the last period must be open (null)',
    };
  }
  if (last.state !== payload.state) {
    return { field: '/state', message: 'must equal the state of the last history period' };
  }
  return null;
}

export const keyLifecycleChangedV1: EventDefinition<
  'key.lifecycle-changed',
  KeyLifecycleChangedV1
> = {
  type: 'key.lifecycle-changed',
  version: 1,
  topic: 'registry.key-lifecycle.v1',
  producer: 'registry',
  description: 'A key changed state; the payload is the key with its whole lifecycle history.',
  schema: keyLifecycleChangedV1Schema,
  key: (payload) => payload.keyId,
  invariants: (payload) => checkAlgorithm(payload) ?? checkHistory(payload),
};
