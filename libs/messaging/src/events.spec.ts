import {
  type AccountOverdrawnV1,
  accountOverdrawnV1,
  decodeEvent,
  type KeyLifecycleChangedV1,
  keyLifecycleChangedV1,
  paymentRejectedV1,
  paymentSettlementFailedV1,
  type PaymentSettlementFailedV1,
  validateEventForSend,
} from '@settle/contracts';
import { readEventFixture } from '@settle/contracts/testing';
import { PermanentEventError, unexpectedEvent } from './errors';
import {
  eventCause,
  eventFactory,
  newEvent,
  payloadIf,
  requestCause,
  requestCorrelation,
  timeOrderedUuid,
} from './events';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const requestId = '3f2b8c1d-4e5a-4b6c-9d7e-8f9a0b1c2d3e';
const at = '2026-11-28T10:00:00.184Z';
const overdrawn: AccountOverdrawnV1 = {
  accountId: 'acc_7Hq2mVx9KpR3sLw',
  balance: '-250',
  currency: 'EUR',
  overdrawnAt: at,
};

describe('requestCause', () => {
  it('starts a new correlation for every request, with a UUID request id as causation', () => {
    const first = requestCause(requestId, at);
    const second = requestCause(requestId, at);
    expect(first).toEqual({
      correlationId: expect.stringMatching(uuid),
      causationId: requestId,
      occurredAt: at,
    });
    expect(second.correlationId).not.toBe(first.correlationId);
    expect(first.correlationId).not.toBe(requestId);
  });

  it('has no causation for a missing request id or one that is not a lower-case UUID', () => {
    for (const id of [undefined, null, '', 'req-42', requestId.toUpperCase(), `${requestId}x`])
      expect(requestCause(id, at).causationId).toBeNull();
  });

  it('refuses a time that is not a string (a Date passed by mistake)', () => {
    expect(() => requestCause(requestId, new Date(at) as unknown as string)).toThrow(TypeError);
  });
});

describe('requestCorrelation (the upload API’s rule)', () => {
  it('uses a UUID request id as both correlation and causation', () => {
    expect(requestCorrelation(requestId)).toEqual({
      correlationId: requestId,
      causationId: requestId,
    });
  });

  it('otherwise starts a new correlation with no causation', () => {
    const correlation = requestCorrelation('not-a-uuid');
    expect(correlation.causationId).toBeNull();
    expect(correlation.correlationId).toMatch(uuid);
    expect(requestCorrelation(undefined).correlationId).not.toBe(correlation.correlationId);
  });
});

describe('eventCause', () => {
  it('keeps the consumed event’s correlation and names it as causation', () => {
    const consumed = newEvent(accountOverdrawnV1, overdrawn, requestCause(requestId, at), 'ledger');
    const later = '2026-11-28T10:00:01.000Z';
    expect(eventCause(consumed, later)).toEqual({
      correlationId: consumed.correlationId,
      causationId: consumed.eventId,
      occurredAt: later,
    });
  });
});

describe('newEvent', () => {
  it('wraps the payload with a fresh event id, the key derived by the definition and the cause', () => {
    const cause = requestCause(requestId, at);
    const first = newEvent(accountOverdrawnV1, overdrawn, cause, 'ledger');
    const second = newEvent(accountOverdrawnV1, overdrawn, cause, 'ledger');
    expect(first).toEqual({
      eventId: expect.stringMatching(uuid),
      type: 'account.overdrawn',
      version: 1,
      occurredAt: at,
      producer: 'ledger',
      correlationId: cause.correlationId,
      causationId: requestId,
      key: overdrawn.accountId,
      payload: overdrawn,
    });
    expect(second.eventId).not.toBe(first.eventId);
    expect(validateEventForSend(first)).toMatchObject({ ok: true });
  });

  it('derives the key from the payload by its definition, as in the golden fixture', () => {
    const fixture = readEventFixture(keyLifecycleChangedV1.type, 1) as {
      key: string;
      payload: KeyLifecycleChangedV1;
    };
    const envelope = eventFactory('registry')(
      keyLifecycleChangedV1,
      fixture.payload,
      requestCause(null, at),
    );
    expect(envelope).toMatchObject({ key: fixture.key, producer: 'registry', causationId: null });
    expect(decodeEvent(JSON.parse(JSON.stringify(envelope)))).toMatchObject({ ok: true });
  });
});

describe('timeOrderedUuid (event ids)', () => {
  it('is a version 7 UUID whose first 48 bits are the time, random after it, ordered by time', () => {
    const at = Date.parse('2026-12-07T00:00:00.000Z');
    const id = timeOrderedUuid(at);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(at);
    expect(timeOrderedUuid(at)).not.toBe(id);
    const later = timeOrderedUuid(at + 1);
    expect([later, id].sort()).toEqual([id, later]);
  });
});

describe('payloadIf', () => {
  const failed: PaymentSettlementFailedV1 = {
    transactionId: 'tx_1',
    consumerAccountId: 'acc_1',
    merchantId: 'mer_1',
    reasonCode: 'UNKNOWN_ACCOUNT',
    failedAt: at,
  };

  it('gives the payload of an envelope of that type and version, nothing for another', () => {
    const envelope = newEvent(paymentSettlementFailedV1, failed, requestCause(null, at), 'ledger');
    expect(payloadIf(paymentSettlementFailedV1, envelope)).toBe(failed);
    expect(payloadIf(paymentRejectedV1, envelope)).toBeUndefined();
    expect(payloadIf(paymentSettlementFailedV1, { ...envelope, version: 2 })).toBeUndefined();
  });
});

describe('unexpectedEvent', () => {
  it('is a permanent UNEXPECTED_EVENT_TYPE naming the type, from an envelope or from its type', () => {
    const envelope = newEvent(accountOverdrawnV1, overdrawn, requestCause(null, at), 'ledger');
    for (const unhandled of [envelope, envelope.type]) {
      const error = unexpectedEvent(unhandled as never, 'not handled here');
      expect(error).toBeInstanceOf(PermanentEventError);
      expect(error).toMatchObject({
        code: 'UNEXPECTED_EVENT_TYPE',
        message: 'not handled here: account.overdrawn',
      });
    }
  });
});
