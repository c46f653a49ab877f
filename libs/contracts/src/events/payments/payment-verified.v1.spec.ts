import fc from 'fast-check';
import {
  createEnvelope,
  decodeEvent,
  paymentVerifiedV1,
  type PaymentVerifiedV1,
} from '../../index';

const identifier = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
const timestamp = fc
  .date({
    min: new Date('2000-01-01T00:00:00.000Z'),
    max: new Date('2099-12-31T23:59:59.999Z'),
    noInvalidDate: true,
  })
  .map((date) => date.toISOString());
const minorUnits = fc.bigInt({ min: 0n, max: 10n ** 19n - 1n }).map(String);
const uuid = fc.uuid({ version: 4 });

const paymentVerified: fc.Arbitrary<PaymentVerifiedV1> = fc.record({
  transactionId: identifier,
  consumerAccountId: identifier,
  consumerDeviceId: identifier,
  merchantId: identifier,
  terminalId: identifier,
  amount: minorUnits,
  currency: fc.stringMatching(/^[A-Z]{3}$/),
  approvedAt: timestamp,
  deviceCounter: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String),
  feeInputs: fc.record({
    merchantCategoryCode: fc.stringMatching(/^[0-9]{4}$/),
    channel: fc.constant('offline-sound' as const),
  }),
  verifiedAt: timestamp,
});

function envelopeOf(payload: PaymentVerifiedV1, ids: { eventId: string; correlationId: string }) {
  return createEnvelope({
    definition: paymentVerifiedV1,
    payload,
    eventId: ids.eventId,
    occurredAt: payload.verifiedAt,
    producer: 'verifier',
    correlationId: ids.correlationId,
    causationId: null,
  });
}

/** The oracle, written independently of the schema's pattern: digits only, canonical as a bigint, below 10^19. */
function isCanonicalMinorUnits(text: string): boolean {
  return /^[0-9]+$/.test(text) && BigInt(text).toString() === text && BigInt(text) < 10n ** 19n;
}

/** Strings that look like amounts but are not canonical, mixed with arbitrary text and valid ones. */
const amountCandidates = fc.oneof(
  minorUnits,
  fc.string(),
  fc
    .tuple(minorUnits, fc.constantFrom('0', '00', '+', '-', ' ', '\u0661'))
    .map(([digits, prefix]) => `${prefix}${digits}`),
  fc
    .tuple(minorUnits, fc.constantFrom('.0', '.00', 'e2', ' ', '\n', 'n'))
    .map(([digits, suffix]) => `${digits}${suffix}`),
  fc.bigInt({ min: 10n ** 19n, max: 10n ** 25n }).map(String),
);

describe('payment.verified v1 (properties)', () => {
  it('every valid payload round-trips through JSON and decodes to the same envelope', () => {
    fc.assert(
      fc.property(
        paymentVerified,
        fc.record({ eventId: uuid, correlationId: uuid }),
        (payload, ids) => {
          const envelope = envelopeOf(payload, ids);
          const received: unknown = JSON.parse(JSON.stringify(envelope));
          expect(decodeEvent(received)).toEqual({ ok: true, envelope });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('accepts an amount exactly when it is a canonical decimal string of minor units', () => {
    fc.assert(
      fc.property(paymentVerified, amountCandidates, (payload, amount) => {
        const ids = {
          eventId: '3b241101-e2bb-4255-8caf-4136c566a962',
          correlationId: '7d3b9e41-2c6a-4f08-b5d1-8e2f4a6c9b13',
        };
        const result = decodeEvent(envelopeOf({ ...payload, amount }, ids));
        if (isCanonicalMinorUnits(amount)) expect(result.ok).toBe(true);
        else
          expect(result).toMatchObject({
            ok: false,
            code: 'SCHEMA_VIOLATION',
            field: '/payload/amount',
          });
      }),
      { numRuns: 1000 },
    );
  });

  it('rejects any JSON number as an amount, however safe it looks', () => {
    fc.assert(
      fc.property(
        paymentVerified,
        fc.oneof(fc.integer({ min: 0 }), fc.double()),
        (payload, amount) => {
          const envelope = {
            ...envelopeOf(payload, {
              eventId: 'c56a4180-65aa-42ec-a945-5fd21dec0538',
              correlationId: 'c56a4180-65aa-42ec-a945-5fd21dec0539',
            }),
          };
          const result = decodeEvent({ ...envelope, payload: { ...envelope.payload, amount } });
          expect(result).toMatchObject({
            ok: false,
            code: 'SCHEMA_VIOLATION',
            field: '/payload/amount',
          });
        },
      ),
    );
  });
});
