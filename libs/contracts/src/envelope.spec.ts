import {
  createEnvelope,
  decodeEvent,
  paymentVerifiedV1,
  validateEventForSend,
  type PaymentVerifiedV1,
} from './index';
import { readEventFixture } from './testing';

const fixture = readEventFixture('payment.verified', 1) as { payload: PaymentVerifiedV1 } & Record<
  string,
  unknown
>;

function withEnvelope(changes: Record<string, unknown>): unknown {
  return { ...fixture, ...changes };
}

describe('createEnvelope', () => {
  it('fills type, version and key from the definition, and nothing it was not given', () => {
    const envelope = createEnvelope({
      definition: paymentVerifiedV1,
      payload: fixture.payload,
      eventId: '3b241101-e2bb-4255-8caf-4136c566a962',
      occurredAt: '2026-11-28T10:00:00.184Z',
      producer: 'verifier',
      correlationId: '7d3b9e41-2c6a-4f08-b5d1-8e2f4a6c9b13',
      causationId: null,
    });
    expect(envelope).toEqual({
      eventId: '3b241101-e2bb-4255-8caf-4136c566a962',
      type: 'payment.verified',
      version: 1,
      occurredAt: '2026-11-28T10:00:00.184Z',
      producer: 'verifier',
      correlationId: '7d3b9e41-2c6a-4f08-b5d1-8e2f4a6c9b13',
      causationId: null,
      key: fixture.payload.consumerAccountId,
      payload: fixture.payload,
    });
    expect(validateEventForSend(envelope).ok).toBe(true);
  });
});

describe('envelope validation', () => {
  const malformed: readonly [string, unknown, string][] = [
    ['not an object', 'payment.verified', ''],
    ['null', null, ''],
    ['an array', [fixture], ''],
    ['a missing eventId', (({ eventId: _eventId, ...rest }) => rest)(fixture), '/eventId'],
    ['an unknown envelope field', withEnvelope({ traceparent: '00-abc' }), '/traceparent'],
    [
      'an upper-case UUID',
      withEnvelope({ eventId: '3B241101-E2BB-4255-8CAF-4136C566A962' }),
      '/eventId',
    ],
    [
      'a urn:uuid: prefix',
      withEnvelope({ eventId: 'urn:uuid:3b241101-e2bb-4255-8caf-4136c566a962' }),
      '/eventId',
    ],
    [
      'a timestamp without milliseconds',
      withEnvelope({ occurredAt: '2026-11-28T10:00:00Z' }),
      '/occurredAt',
    ],
    [
      'a timestamp with an offset',
      withEnvelope({ occurredAt: '2026-11-28T11:00:00.000+01:00' }),
      '/occurredAt',
    ],
    ['an impossible date', withEnvelope({ occurredAt: '2026-02-30T10:00:00.000Z' }), '/occurredAt'],
    ['version 0', withEnvelope({ version: 0 }), '/version'],
    ['a fractional version', withEnvelope({ version: 1.5 }), '/version'],
    ['a string version', withEnvelope({ version: '1' }), '/version'],
    ['a malformed type', withEnvelope({ type: 'PaymentVerified' }), '/type'],
    ['an empty key', withEnvelope({ key: '' }), '/key'],
    ['a causationId that is not a UUID', withEnvelope({ causationId: 'upload-1' }), '/causationId'],
    ['a payload that is not an object', withEnvelope({ payload: 'x' }), '/payload'],
    ['a payload that is an array', withEnvelope({ payload: [] }), '/payload'],
  ];

  it.each(malformed)('rejects %s as ENVELOPE_MALFORMED', (_name, value, field) => {
    expect(decodeEvent(value)).toMatchObject({ ok: false, code: 'ENVELOPE_MALFORMED', field });
  });

  it('accepts a null causationId (a root cause) and a UUID one', () => {
    expect(decodeEvent(withEnvelope({ causationId: null })).ok).toBe(true);
    expect(
      decodeEvent(withEnvelope({ causationId: '9a1c2e3f-4b5d-4c6e-8f70-1a2b3c4d5e6f' })).ok,
    ).toBe(true);
  });

  it('rejects an unknown event type', () => {
    expect(decodeEvent(withEnvelope({ type: 'payment.teleported' }))).toMatchObject({
      ok: false,
      code: 'UNKNOWN_EVENT_TYPE',
      field: '/type',
    });
  });

  it('reports a version newer than the latest known, so the consumer pauses instead of dead-lettering', () => {
    expect(decodeEvent(withEnvelope({ version: 2 }))).toMatchObject({
      ok: false,
      code: 'NEWER_VERSION',
      field: '/version',
    });
    expect(validateEventForSend(withEnvelope({ version: 7 }) as never)).toMatchObject({
      ok: false,
      code: 'NEWER_VERSION',
    });
  });

  it('rejects a key that is not the one the definition derives from the payload', () => {
    const result = decodeEvent(withEnvelope({ key: fixture.payload.consumerDeviceId }));
    expect(result).toMatchObject({ ok: false, code: 'KEY_MISMATCH', field: '/key' });
    expect(validateEventForSend(withEnvelope({ key: 'someone-else' }) as never)).toMatchObject({
      ok: false,
      code: 'KEY_MISMATCH',
    });
  });

  it('checks the payload before the key, so a bad payload is never blamed on the key', () => {
    const payload = { ...fixture.payload, consumerAccountId: 'not valid!' };
    expect(decodeEvent(withEnvelope({ payload, key: 'not valid!' }))).toMatchObject({
      code: 'SCHEMA_VIOLATION',
      field: '/payload/consumerAccountId',
    });
  });

  it('escapes the names of unknown fields in the JSON pointer (RFC 6901)', () => {
    const payload = { ...fixture.payload, 'a/b~c': 1 };
    expect(decodeEvent(withEnvelope({ payload }))).toMatchObject({
      code: 'SCHEMA_VIOLATION',
      field: '/payload/a~1b~0c',
    });
  });

  it('ignores a __proto__ key as data and rejects it as an unknown field', () => {
    const value: unknown = JSON.parse(
      JSON.stringify(fixture).replace('"transactionId"', '"__proto__":{"x":1},"transactionId"'),
    );
    expect(decodeEvent(value)).toMatchObject({
      code: 'SCHEMA_VIOLATION',
      field: '/payload/__proto__',
    });
  });
});
