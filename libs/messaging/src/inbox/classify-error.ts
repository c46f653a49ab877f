import { EntityNotYetSeenError, MessagingError, PermanentEventError } from '../errors';
import type { DeadLetterReason } from './dead-letter';

export type HandlerErrorVerdict =
  | { readonly kind: 'transient'; readonly detail: string }
  | { readonly kind: 'entity-not-yet-seen'; readonly detail: string }
  | { readonly kind: 'permanent'; readonly reason: DeadLetterReason; readonly detail: string };

/**
 * PostgreSQL conditions that say nothing about the event: the connection, the server or a concurrent
 * transaction failed. Class 08 (connection), 53 (insufficient resources), 57P0x (shutdown),
 * 40001 (serialization failure), 40P01 (deadlock), 55P03 (lock not available).
 */
function isTransientPostgresError(error: { code?: unknown }): boolean {
  const code = typeof error.code === 'string' ? error.code : '';
  return /^(08|53|57P0)/.test(code) || ['40001', '40P01', '55P03'].includes(code);
}

const nodeNetworkErrorCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * node-postgres conditions that carry no code, told by their messages (pg-pool 3): a connection lost
 * or timed out, and the pool exhausted under load ("timeout exceeded when trying to connect": every
 * connection busy for `connectionTimeoutMillis`) — the event is fine, the database was busy.
 */
const poolConditionMessage =
  /Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect/i;

/**
 * Decides what a handler failure means for the event: wait, retry with a bound, or dead-letter.
 * Besides the backbone's own errors, an infrastructure error that says `retriable: true` (STYLE:
 * errors carry `code`, `cause` and `retriable`; e.g. the receipt key unreadable in key custody) is
 * transient: the event is fine, the dependency is not, so dead-lettering it would lose good work.
 */
export function classifyHandlerError(error: unknown): HandlerErrorVerdict {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  if (error instanceof EntityNotYetSeenError) return { kind: 'entity-not-yet-seen', detail };
  if (error instanceof PermanentEventError)
    return {
      kind: 'permanent',
      reason: 'HANDLER_REJECTED',
      detail: `${error.code}: ${error.message}`,
    };
  if (error instanceof MessagingError)
    return error.retriable
      ? { kind: 'transient', detail }
      : { kind: 'permanent', reason: 'HANDLER_FAILED', detail };
  if (typeof error === 'object' && error !== null) {
    const candidate = error as { code?: unknown; message?: unknown; retriable?: unknown };
    // Only the boolean true counts: a truthy string or number is not a statement that a retry helps.
    if (candidate.retriable === true) return { kind: 'transient', detail };
    if (isTransientPostgresError(candidate)) return { kind: 'transient', detail };
    if (typeof candidate.code === 'string' && nodeNetworkErrorCodes.has(candidate.code))
      return { kind: 'transient', detail };
    if (typeof candidate.message === 'string' && poolConditionMessage.test(candidate.message))
      return { kind: 'transient', detail };
  }
  return { kind: 'permanent', reason: 'HANDLER_FAILED', detail };
}
