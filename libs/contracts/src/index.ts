/**
 * @settle/contracts — every cross-service event as a versioned contract: the envelope, one frozen
 * file per event and version (type, JSON schema, definition), the topic catalogue and the one
 * validation entry point (`decodeEvent`). Golden fixtures live in `libs/contracts/fixtures`;
 * `@settle/contracts/testing` reads them in tests. The offline protocol (signed structures, COSE)
 * is not here: it is `@settle/protocol` (libs/protocol), which events import limits from.
 */
export * from './envelope';
export * from './event-definition';
export * from './services';
export * from './schema-fragments';
export * from './common-payloads';
export * from './topics';
export * from './kafka-key-hash';
export * from './upcasting';
export * from './validation';
export * from './catalogue';
export type { FieldSchema, ObjectSchema } from './payload-schema';

export * from './events/accounts/account-opened.v1';
export * from './events/accounts/account-overdrawn.v1';
export * from './events/accounts/account-back-in-funds.v1';
export * from './events/merchants/merchant-onboarded.v1';
export * from './events/terminals/terminal-registered.v1';
export * from './events/devices/device-enrolled.v1';
export * from './events/devices/device-offline-capability-changed.v1';
export * from './events/devices/device-checked-in.v1';
export * from './events/keys/key-lifecycle-changed.v1';
export * from './events/attestations/attestation-requested.v1';
export * from './events/attestations/attestation-requested.v2';
export * from './events/attestations/attestation-completed.v1';
export * from './events/payments/payment-uploaded.v1';
export * from './events/payments/payment-verified.v1';
export * from './events/payments/payment-rejected.v1';
export * from './events/payments/payment-settled.v1';
export * from './events/payments/payment-settled.v2';
export * from './events/payments/payment-settled.v3';
export * from './events/payments/payment-settlement-failed.v1';
export * from './events/fraud/fraud-signal-raised.v1';
export * from './events/ledger/ledger-entry-posted.v1';
export * from './events/sessions/session-started.v1';
export * from './events/sessions/session-ended.v1';
export * from './auth/access-token';
