import { type EventEnvelope } from './envelope';
import { type EventDefinition } from './event-definition';
import { accountBackInFundsV1 } from './events/accounts/account-back-in-funds.v1';
import { accountOpenedV1 } from './events/accounts/account-opened.v1';
import { accountOverdrawnV1 } from './events/accounts/account-overdrawn.v1';
import { attestationCompletedV1 } from './events/attestations/attestation-completed.v1';
import { attestationRequestedV1 } from './events/attestations/attestation-requested.v1';
import {
  attestationRequestedV2,
  upcastAttestationRequestedV1,
} from './events/attestations/attestation-requested.v2';
import { deviceCheckedInV1 } from './events/devices/device-checked-in.v1';
import { deviceEnrolledV1 } from './events/devices/device-enrolled.v1';
import { deviceOfflineCapabilityChangedV1 } from './events/devices/device-offline-capability-changed.v1';
import { fraudSignalRaisedV1 } from './events/fraud/fraud-signal-raised.v1';
import { keyLifecycleChangedV1 } from './events/keys/key-lifecycle-changed.v1';
import { ledgerEntryPostedV1 } from './events/ledger/ledger-entry-posted.v1';
import { merchantOnboardedV1 } from './events/merchants/merchant-onboarded.v1';
import { paymentRejectedV1 } from './events/payments/payment-rejected.v1';
import { paymentSettledV1 } from './events/payments/payment-settled.v1';
import { paymentSettledV2, upcastPaymentSettledV1 } from './events/payments/payment-settled.v2';
import { paymentSettledV3, upcastPaymentSettledV2 } from './events/payments/payment-settled.v3';
import { paymentSettlementFailedV1 } from './events/payments/payment-settlement-failed.v1';
import { paymentUploadedV1 } from './events/payments/payment-uploaded.v1';
import { paymentVerifiedV1 } from './events/payments/payment-verified.v1';
import { sessionEndedV1 } from './events/sessions/session-ended.v1';
import { sessionStartedV1 } from './events/sessions/session-started.v1';
import { terminalRegisteredV1 } from './events/terminals/terminal-registered.v1';
import { type EventTypeOn, type TopicName } from './topics';
import { defineUpcaster, type Upcaster } from './upcasting';
import { createEventDecoder, type DecodeResult } from './validation';

/**
 * Every event definition ever published, old versions included: they are needed to read old events
 * (payment and ledger topics are kept forever). Grouped by producer, in DESIGN §3 order.
 */
export const eventDefinitions = [
  accountOpenedV1,
  merchantOnboardedV1,
  terminalRegisteredV1,
  deviceEnrolledV1,
  deviceOfflineCapabilityChangedV1,
  deviceCheckedInV1,
  keyLifecycleChangedV1,
  attestationRequestedV1,
  attestationRequestedV2,
  attestationCompletedV1,
  paymentUploadedV1,
  paymentVerifiedV1,
  paymentRejectedV1,
  fraudSignalRaisedV1,
  ledgerEntryPostedV1,
  paymentSettledV1,
  paymentSettledV2,
  paymentSettledV3,
  paymentSettlementFailedV1,
  accountOverdrawnV1,
  accountBackInFundsV1,
  sessionStartedV1,
  sessionEndedV1,
] as const satisfies readonly EventDefinition[];

/** Upcasters from version N to N + 1, one per superseded version. */
export const upcasters: readonly Upcaster[] = [
  defineUpcaster(attestationRequestedV1, attestationRequestedV2, upcastAttestationRequestedV1),
  defineUpcaster(paymentSettledV1, paymentSettledV2, upcastPaymentSettledV1),
  defineUpcaster(paymentSettledV2, paymentSettledV3, upcastPaymentSettledV2),
];

/**
 * The latest definition of each type: what `decodeEvent` hands to consumers. When a v2 is added,
 * exclude the superseded definition here and add the new one back: `Exclude` goes by assignability,
 * and a v2 that only adds fields is assignable to its v1's type, so it drops the v2 as well.
 */
export type LatestEventDefinition =
  | Exclude<
      (typeof eventDefinitions)[number],
      typeof attestationRequestedV1 | typeof paymentSettledV1 | typeof paymentSettledV2
    >
  | typeof attestationRequestedV2
  | typeof paymentSettledV3;

/** The envelope of a definition. */
export type EnvelopeOf<TDefinition> =
  TDefinition extends EventDefinition<infer TType, infer TPayload>
    ? EventEnvelope<TType, TPayload>
    : never;

/** Any event of the catalogue at its latest version: narrow it with `switch (envelope.type)`. */
export type KnownEventEnvelope = EnvelopeOf<LatestEventDefinition>;

/** The union of event type names. */
export type EventType = LatestEventDefinition['type'];

/**
 * The events (latest versions) a consumer of `TTopic` receives: the inbox hands a consumer only events
 * whose definition names the topic they came from (a mismatch is dead-lettered), so this is sound.
 *
 * @example
 * function apply(envelope: EventOn<'ledger.account-status.v1'>) {
 *   switch (envelope.type) { case 'account.overdrawn': ...; case 'account.back-in-funds': ... }
 * }
 */
export type EventOn<TTopic extends TopicName> = Extract<
  KnownEventEnvelope,
  { readonly type: EventTypeOn<TTopic> }
>;

const catalogueDecoder = createEventDecoder<KnownEventEnvelope>({
  definitions: eventDefinitions,
  upcasters,
});

/**
 * THE validation entry point of the messaging backbone on receive: checks the envelope, finds the
 * contract, checks the payload and its key, and upcasts older versions to the latest. Never throws
 * on bad input; throws only on a programmer error (an upcaster that breaks its target contract).
 *
 * @example
 * const decoded = decodeEvent(JSON.parse(message.value.toString('utf8')));
 * if (!decoded.ok) return decoded.code === 'NEWER_VERSION' ? pausePartition() : deadLetter(decoded);
 * switch (decoded.envelope.type) { case 'payment.verified': settle(decoded.envelope.payload); ... }
 */
export function decodeEvent(value: unknown): DecodeResult<KnownEventEnvelope> {
  return catalogueDecoder.decodeEvent(value);
}

/** The same checks on send (outbox write), without upcasting: a producer sends the version it built. */
export function validateEventForSend(envelope: EventEnvelope): DecodeResult<KnownEventEnvelope> {
  return catalogueDecoder.validateEventForSend(envelope);
}

/** The definition of `type` at `version`, or undefined. */
export function findEventDefinition(type: string, version: number): EventDefinition | undefined {
  return catalogueDecoder.findEventDefinition(type, version);
}

/** The latest version of `type`, or undefined for a type the catalogue does not know. */
export function latestVersionOf(type: string): number | undefined {
  return catalogueDecoder.latestVersionOf(type);
}
