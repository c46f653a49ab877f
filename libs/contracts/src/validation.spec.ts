import {
  createEnvelope,
  createEventDecoder,
  decodeEvent,
  defineUpcaster,
  eventDefinitions,
  findEventDefinition,
  latestVersionOf,
  paymentVerifiedV1,
  upcasters,
  type EventDefinition,
  type EventEnvelope,
  type KnownEventEnvelope,
  type ObjectSchema,
} from './index';
import { readEventFixture } from './testing';
import {
  amountSchema,
  currencySchema,
  identifierSchema,
  timestampSchema,
} from './schema-fragments';

// A test-only type with two versions: v2 turned a bare amount (v1 assumed EUR) into amount + currency.
interface WidgetSoldV1 {
  readonly widgetId: string;
  readonly priceEuroCents: string;
  readonly soldAt: string;
}
interface WidgetSoldV2 {
  readonly widgetId: string;
  readonly price: { readonly amount: string; readonly currency: string };
  readonly soldAt: string;
}

const widgetSoldV1Schema: ObjectSchema<WidgetSoldV1> = {
  type: 'object',
  additionalProperties: false,
  required: ['widgetId', 'priceEuroCents', 'soldAt'],
  properties: { widgetId: identifierSchema, priceEuroCents: amountSchema, soldAt: timestampSchema },
};
const widgetSoldV2Schema: ObjectSchema<WidgetSoldV2> = {
  type: 'object',
  additionalProperties: false,
  required: ['widgetId', 'price', 'soldAt'],
  properties: {
    widgetId: identifierSchema,
    price: {
      type: 'object',
      additionalProperties: false,
      required: ['amount', 'currency'],
      properties: { amount: amountSchema, currency: currencySchema },
    },
    soldAt: timestampSchema,
  },
};
const common = {
  topic: 'test.widgets.v1',
  producer: 'registry',
  description: 'test only',
} as const;
const widgetSoldV1: EventDefinition<'widget.sold', WidgetSoldV1> = {
  ...common,
  type: 'widget.sold',
  version: 1,
  schema: widgetSoldV1Schema,
  key: (payload) => payload.widgetId,
};
const widgetSoldV2: EventDefinition<'widget.sold', WidgetSoldV2> = {
  ...common,
  type: 'widget.sold',
  version: 2,
  schema: widgetSoldV2Schema,
  key: (payload) => payload.widgetId,
};
const widgetSoldV1ToV2 = defineUpcaster(widgetSoldV1, widgetSoldV2, (v1) => ({
  widgetId: v1.widgetId,
  price: { amount: v1.priceEuroCents, currency: 'EUR' },
  soldAt: v1.soldAt,
}));

function widgetEnvelope<TPayload>(
  definition: EventDefinition<'widget.sold', TPayload>,
  payload: TPayload,
): EventEnvelope {
  return createEnvelope({
    definition,
    payload,
    eventId: 'c56a4180-65aa-42ec-a945-5fd21dec0538',
    occurredAt: '2026-11-28T10:00:00.000Z',
    producer: 'registry',
    correlationId: '7d3b9e41-2c6a-4f08-b5d1-8e2f4a6c9b13',
    causationId: null,
  });
}

const soldV1 = widgetEnvelope(widgetSoldV1, {
  widgetId: 'w-1',
  priceEuroCents: '1999',
  soldAt: '2026-11-28T09:59:59.999Z',
});

describe('upcasting', () => {
  const decoder = createEventDecoder({
    definitions: [widgetSoldV2, widgetSoldV1],
    upcasters: [widgetSoldV1ToV2],
  });

  it('upcasts an old version to the latest on receive', () => {
    expect(decoder.decodeEvent(soldV1)).toEqual({
      ok: true,
      envelope: {
        ...soldV1,
        version: 2,
        payload: {
          widgetId: 'w-1',
          price: { amount: '1999', currency: 'EUR' },
          soldAt: '2026-11-28T09:59:59.999Z',
        },
      },
    });
  });

  it('leaves the latest version as it is, and the received value untouched', () => {
    const copy: unknown = structuredClone(soldV1);
    const v2 = widgetEnvelope(widgetSoldV2, {
      widgetId: 'w-2',
      price: { amount: '5', currency: 'CHF' },
      soldAt: '2026-11-28T09:00:00.000Z',
    });
    expect(decoder.decodeEvent(v2)).toEqual({ ok: true, envelope: v2 });
    decoder.decodeEvent(soldV1);
    expect(soldV1).toEqual(copy);
  });

  it('does not upcast on send: a producer sends the version it built', () => {
    expect(decoder.validateEventForSend(soldV1)).toEqual({ ok: true, envelope: soldV1 });
  });

  it('validates an old payload against its own version before upcasting', () => {
    const bad = {
      ...soldV1,
      payload: { ...(soldV1.payload as WidgetSoldV1), priceEuroCents: 19.99 },
    };
    expect(decoder.decodeEvent(bad)).toMatchObject({
      ok: false,
      code: 'SCHEMA_VIOLATION',
      field: '/payload/priceEuroCents',
    });
  });

  it('answers NEWER_VERSION above the latest and knows every version', () => {
    expect(decoder.decodeEvent({ ...soldV1, version: 3 })).toMatchObject({
      ok: false,
      code: 'NEWER_VERSION',
    });
    expect(decoder.latestVersionOf('widget.sold')).toBe(2);
    expect(decoder.findEventDefinition('widget.sold', 1)).toBe(widgetSoldV1);
    expect(decoder.findEventDefinition('widget.sold', 3)).toBeUndefined();
  });

  it('crashes when an upcaster breaks its target contract (a programmer error, not bad input)', () => {
    const broken = defineUpcaster(widgetSoldV1, widgetSoldV2, (v1) => ({
      ...v1,
      price: { amount: v1.priceEuroCents, currency: 'euro' },
    }));
    const brokenDecoder = createEventDecoder({
      definitions: [widgetSoldV1, widgetSoldV2],
      upcasters: [broken],
    });
    expect(() => brokenDecoder.decodeEvent(soldV1)).toThrow(
      /upcaster v1→v2 produced an invalid payload/,
    );
  });

  it('refuses a catalogue whose versions have gaps, duplicates or missing upcasters', () => {
    const v3 = { ...widgetSoldV2, version: 3 };
    expect(() => createEventDecoder({ definitions: [widgetSoldV1, v3], upcasters: [] })).toThrow(
      /contiguous/,
    );
    expect(() =>
      createEventDecoder({ definitions: [widgetSoldV1, widgetSoldV1], upcasters: [] }),
    ).toThrow(/twice/);
    expect(() =>
      createEventDecoder({ definitions: [widgetSoldV1, widgetSoldV2], upcasters: [] }),
    ).toThrow(/upcaster/);
    expect(() => defineUpcaster(widgetSoldV1, v3, () => ({}) as WidgetSoldV2)).toThrow(
      /one version at a time/,
    );
  });
});

// A test-only type with string length bounds, to try astral characters (one code point, two UTF-16
// code units: a surrogate pair) at them.
interface NoteTakenV1 {
  readonly noteId: string;
  readonly text: string;
  readonly initials?: string;
}
const noteTakenV1: EventDefinition<'note.taken', NoteTakenV1> = {
  ...common,
  type: 'note.taken',
  version: 1,
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['noteId', 'text'],
    properties: {
      noteId: identifierSchema,
      text: { type: 'string', minLength: 1, maxLength: 3 },
      initials: { type: 'string', minLength: 2, maxLength: 4 },
    },
  },
  key: (payload) => payload.noteId,
};

describe('string lengths are counted in code points, as JSON Schema defines them', () => {
  const decoder = createEventDecoder({ definitions: [noteTakenV1], upcasters: [] });
  const note = (payload: Partial<NoteTakenV1>) =>
    createEnvelope({
      definition: noteTakenV1,
      payload: { noteId: 'n-1', text: 'abc', ...payload },
      eventId: 'c56a4180-65aa-42ec-a945-5fd21dec0538',
      occurredAt: '2026-11-28T10:00:00.000Z',
      producer: 'registry',
      correlationId: '7d3b9e41-2c6a-4f08-b5d1-8e2f4a6c9b13',
      causationId: null,
    });

  it('accepts astral characters up to maxLength though their UTF-16 length is twice that', () => {
    for (const text of ['😀😀😀', 'a😀b', '😀']) {
      expect(decoder.decodeEvent(note({ text }))).toMatchObject({ ok: true });
      expect(decoder.validateEventForSend(note({ text }))).toMatchObject({ ok: true });
    }
  });

  it('refuses one code point over maxLength, naming the field', () => {
    for (const text of ['😀😀😀😀', 'abcd', 'ab😀c']) {
      expect(decoder.decodeEvent(note({ text }))).toMatchObject({
        ok: false,
        code: 'SCHEMA_VIOLATION',
        field: '/payload/text',
        message: '/payload/text must NOT have more than 3 characters',
      });
    }
  });

  it('refuses a surrogate pair where minLength asks for two characters, and accepts two', () => {
    expect(decoder.decodeEvent(note({ initials: '😀' }))).toMatchObject({
      ok: false,
      field: '/payload/initials',
      message: '/payload/initials must NOT have fewer than 2 characters',
    });
    expect(decoder.decodeEvent(note({ initials: '😀😀' }))).toMatchObject({ ok: true });
    expect(decoder.decodeEvent(note({ initials: '😀😀😀😀' }))).toMatchObject({ ok: true });
  });

  it('refuses an empty string under minLength 1 and counts a lone surrogate as one character', () => {
    expect(decoder.decodeEvent(note({ text: '' }))).toMatchObject({ ok: false });
    expect(decoder.decodeEvent(note({ text: '\ud83d\ud83d\ud83d' }))).toMatchObject({ ok: true });
    expect(decoder.decodeEvent(note({ text: '\ud83d\ud83d\ud83d\ud83d' }))).toMatchObject({
      ok: false,
    });
  });
});

describe('the catalogue', () => {
  it('upcasts attestation.requested v1 to v2 and payment.settled v1 to v2 to v3; every other type is at v1', () => {
    const latest = new Map([
      ['attestation.requested', 2],
      ['payment.settled', 3],
    ]);
    expect(upcasters.map((upcaster) => `${upcaster.type} v${upcaster.fromVersion}`)).toEqual([
      'attestation.requested v1',
      'payment.settled v1',
      'payment.settled v2',
    ]);
    for (const definition of eventDefinitions)
      expect(latestVersionOf(definition.type)).toBe(latest.get(definition.type) ?? 1);
  });

  it('upcasts a v1 payment.settled to v3 with no entry (it went out as ledger.entry-posted), keeping every v1 member', () => {
    const v1 = readEventFixture('payment.settled', 1) as { payload: Record<string, unknown> };
    expect(decodeEvent(v1)).toEqual({
      ok: true,
      envelope: { ...v1, version: 3, payload: { ...v1.payload, entry: null } },
    });
  });

  it('upcasts a v2 payment.settled to v3 keeping the entry’s place in the chain (the rest follows from the event and the chain)', () => {
    const v2 = readEventFixture('payment.settled', 2) as {
      payload: { entry: Record<string, unknown> } & Record<string, unknown>;
    };
    const { partition, sequence, feeScheduleVersion, hash } = v2.payload.entry;
    expect(decodeEvent(v2)).toEqual({
      ok: true,
      envelope: {
        ...v2,
        version: 3,
        payload: { ...v2.payload, entry: { partition, sequence, feeScheduleVersion, hash } },
      },
    });
  });

  it('refuses a payment.settled v3 with an entry whose chain starts at 0 or which moves no money', () => {
    const v3 = readEventFixture('payment.settled', 3) as {
      payload: { entry: Record<string, unknown> } & Record<string, unknown>;
    };
    expect(
      decodeEvent({
        ...v3,
        payload: { ...v3.payload, entry: { ...v3.payload.entry, sequence: '0' } },
      }),
    ).toMatchObject({ ok: false, code: 'SCHEMA_VIOLATION', field: '/payload/entry/sequence' });
    const nothing = { ...v3.payload, amount: '0', fee: '0', merchantAmount: '0' };
    expect(decodeEvent({ ...v3, payload: nothing })).toMatchObject({
      ok: false,
      code: 'SCHEMA_VIOLATION',
      field: '/payload/amount',
    });
    expect(decodeEvent({ ...v3, payload: { ...nothing, entry: null } })).toMatchObject({
      ok: true,
    });
  });

  it('refuses a payment.settled v2 whose entry does not balance or starts its chain at 0', () => {
    const v2 = readEventFixture('payment.settled', 2) as {
      payload: { entry: { postings: Array<{ amount: string }>; sequence: string } };
    };
    const unbalanced = {
      ...v2.payload.entry,
      postings: v2.payload.entry.postings.map((posting, index) =>
        index === 0 ? { ...posting, amount: '1251' } : posting,
      ),
    };
    expect(decodeEvent({ ...v2, payload: { ...v2.payload, entry: unbalanced } })).toMatchObject({
      ok: false,
      code: 'SCHEMA_VIOLATION',
      field: '/payload/entry/postings',
    });
    expect(
      decodeEvent({
        ...v2,
        payload: { ...v2.payload, entry: { ...v2.payload.entry, sequence: '0' } },
      }),
    ).toMatchObject({
      ok: false,
      code: 'SCHEMA_VIOLATION',
      field: '/payload/entry/sequence',
    });
  });

  it('upcasts a v1 attestation request without guessing the class from the evidence: terminal for a terminal, null for a device', () => {
    const v1 = readEventFixture('attestation.requested', 1) as {
      payload: { owner: { kind: string; id: string } };
    };
    const asDevice = decodeEvent(v1);
    const asTerminal = decodeEvent({
      ...v1,
      payload: { ...v1.payload, owner: { kind: 'terminal', id: 'trm_1' } },
    });
    expect(asDevice).toMatchObject({
      ok: true,
      envelope: { version: 2, payload: { registeredClass: null, format: 'android-key' } },
    });
    expect(asTerminal).toMatchObject({
      ok: true,
      envelope: { version: 2, payload: { registeredClass: 'terminal' } },
    });
  });

  it('refuses an attestation request whose registered class does not fit its owner', () => {
    const v2 = readEventFixture('attestation.requested', 2) as {
      payload: { owner: { kind: string; id: string } };
    };
    const result = decodeEvent({
      ...v2,
      payload: { ...v2.payload, owner: { kind: 'terminal', id: 'trm_1' } },
    });
    expect(result).toMatchObject({
      ok: false,
      code: 'SCHEMA_VIOLATION',
      field: '/payload/registeredClass',
    });
  });

  it('hands consumers a union they can narrow by type', () => {
    const decoded = decodeEvent(readEventFixture('payment.verified', 1));
    if (!decoded.ok) throw new Error(decoded.message);
    const envelope: KnownEventEnvelope = decoded.envelope;
    switch (envelope.type) {
      case 'payment.verified':
        expect(BigInt(envelope.payload.amount)).toBe(1250n);
        expect(envelope.payload.feeInputs.channel).toBe('offline-sound');
        break;
      default:
        throw new Error(`unexpected ${envelope.type}`);
    }
  });

  it('finds definitions by type and version', () => {
    expect(findEventDefinition('payment.verified', 1)).toBe(paymentVerifiedV1);
    expect(findEventDefinition('payment.verified', 2)).toBeUndefined();
    expect(findEventDefinition('payment.verified', 0)).toBeUndefined();
    expect(findEventDefinition('payment.teleported', 1)).toBeUndefined();
    expect(latestVersionOf('payment.teleported')).toBeUndefined();
  });

  it('has one definition per type and version, with distinct payload schema ids', () => {
    const names = eventDefinitions.map((definition) => `${definition.type}.v${definition.version}`);
    expect(new Set(names).size).toBe(names.length);
    const ids = eventDefinitions.map((definition) => definition.schema.$id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
