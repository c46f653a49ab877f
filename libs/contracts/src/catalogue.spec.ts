// The catalogue's types, which consumers dispatch on: checked by the compiler (a wrong type fails
// `tsc`) and by the decoder at run time.
import {
  decodeEvent,
  eventDefinitions,
  type EventOn,
  type KnownEventEnvelope,
  type PaymentSettledV3,
  latestVersionOf,
  topicCatalogue,
} from './index';
import { readEventFixture } from './testing';

/** True only when A and B are the same union. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

// Every event type has its latest version in KnownEventEnvelope (a v2 that only adds fields once
// dropped out of it with its v1: `Exclude` goes by assignability).
const everyTypeKnown: Same<KnownEventEnvelope['type'], (typeof eventDefinitions)[number]['type']> =
  true;
// A topic's events are exactly those the topic catalogue lists for it.
const settlementsTopic: Same<
  EventOn<'payments.settlements.v1'>['type'],
  'payment.settled' | 'payment.settlement-failed'
> = true;
// The latest version of an upcast type is the one handed over (payment.settled v3, with its entry's
// place in the chain).
const settledIsV3: Same<
  Extract<KnownEventEnvelope, { type: 'payment.settled' }>['payload'],
  PaymentSettledV3
> = true;

describe('the catalogue’s types', () => {
  it('hold (checked at compile time)', () => {
    expect([everyTypeKnown, settlementsTopic, settledIsV3]).toEqual([true, true, true]);
  });

  it('decodeEvent hands over every type at the version KnownEventEnvelope names: the latest', () => {
    for (const definition of eventDefinitions) {
      const decoded = decodeEvent(readEventFixture(definition.type, definition.version));
      expect(decoded).toMatchObject({ ok: true, envelope: { type: definition.type } });
      if (decoded.ok) expect(decoded.envelope.version).toBe(latestVersionOf(definition.type));
    }
  });

  it('every topic of the catalogue names event types the definitions publish on it', () => {
    for (const topic of topicCatalogue)
      for (const type of topic.eventTypes)
        expect(
          eventDefinitions.filter((each) => each.type === type).map((each) => each.topic),
        ).toContain(topic.name);
  });
});
