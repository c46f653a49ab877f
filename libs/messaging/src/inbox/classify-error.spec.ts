import { EntityNotYetSeenError, MessagingError, PermanentEventError } from '../errors';
import { classifyHandlerError } from './classify-error';

/** An infrastructure error as STYLE asks for one: code, cause and whether a retry can help. */
class DependencyError extends Error {
  override readonly name = 'DependencyError';
  constructor(
    readonly code: string,
    readonly retriable: boolean,
  ) {
    super(`${code} failed`);
  }
}

describe('classifyHandlerError', () => {
  it('retries an error that says retriable: true (the event is fine, a dependency is not)', () => {
    expect(classifyHandlerError(new DependencyError('RECEIPT_KEY_UNAVAILABLE', true))).toEqual({
      kind: 'transient',
      detail: 'DependencyError: RECEIPT_KEY_UNAVAILABLE failed',
    });
    expect(classifyHandlerError({ retriable: true, message: 'a plain object' })).toMatchObject({
      kind: 'transient',
    });
  });

  it('dead-letters an error that says retriable: false, or says it with anything but the boolean true', () => {
    expect(
      classifyHandlerError(new DependencyError('RECEIPT_KEY_UNAVAILABLE', false)),
    ).toMatchObject({ kind: 'permanent', reason: 'HANDLER_FAILED' });
    expect(
      classifyHandlerError(Object.assign(new Error('truthy, not true'), { retriable: 'yes' })),
    ).toMatchObject({ kind: 'permanent', reason: 'HANDLER_FAILED' });
    expect(
      classifyHandlerError(Object.assign(new Error('a number'), { retriable: 1 })),
    ).toMatchObject({ kind: 'permanent', reason: 'HANDLER_FAILED' });
  });

  it('still dead-letters an unknown error', () => {
    expect(
      classifyHandlerError(new TypeError('cannot read properties of undefined')),
    ).toMatchObject({ kind: 'permanent', reason: 'HANDLER_FAILED' });
    expect(classifyHandlerError('a string')).toEqual({
      kind: 'permanent',
      reason: 'HANDLER_FAILED',
      detail: 'a string',
    });
  });

  it('keeps the backbone’s own errors as they were: not-yet-seen before retriable, permanent before retriable', () => {
    // Both carry retriable; their own class decides (bounded retry, dead letter with the handler's code).
    expect(classifyHandlerError(new EntityNotYetSeenError('terminal', 'ter_1'))).toMatchObject({
      kind: 'entity-not-yet-seen',
    });
    expect(classifyHandlerError(new PermanentEventError('UNKNOWN_KEY', 'no key'))).toEqual({
      kind: 'permanent',
      reason: 'HANDLER_REJECTED',
      detail: 'UNKNOWN_KEY: no key',
    });
    expect(
      classifyHandlerError(new MessagingError('KAFKA_UNAVAILABLE', 'down', true)),
    ).toMatchObject({ kind: 'transient' });
    expect(
      classifyHandlerError(new MessagingError('OUTBOX_EVENT_INVALID', 'bad', false)),
    ).toMatchObject({ kind: 'permanent', reason: 'HANDLER_FAILED' });
  });

  it('keeps PostgreSQL and network conditions transient', () => {
    expect(
      classifyHandlerError(Object.assign(new Error('deadlock detected'), { code: '40P01' })),
    ).toMatchObject({ kind: 'transient' });
    expect(
      classifyHandlerError(
        Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      ),
    ).toMatchObject({ kind: 'transient' });
  });

  it("retries node-postgres's pool conditions, which carry no code: a lost connection, an exhausted pool", () => {
    for (const message of [
      'Connection terminated unexpectedly',
      'Connection terminated due to connection timeout',
      // pg-pool, when every connection stayed busy for connectionTimeoutMillis (seen under load).
      'timeout exceeded when trying to connect',
    ])
      expect(classifyHandlerError(new Error(message))).toMatchObject({ kind: 'transient' });
  });
});
