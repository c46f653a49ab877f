import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { type PlatformRequest, type PlatformResponse } from '../http/http-types';

/** The header a caller (or a gateway) may set; the service echoes it, or a fresh UUID, back. */
export const requestIdHeader = 'x-request-id';
/** A caller's request id is used only if it is this tame: it ends up in logs and the audit table. */
const acceptedRequestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

interface RequestContext {
  readonly requestId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** The id of the HTTP request being served, if any (logs and the audit log carry it). */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

/**
 * First middleware: gives the request its id (the caller's `X-Request-Id` when acceptable) and
 * echoes it in the response. The id is kept on the request object too, because errors raised before
 * {@link runInRequestContext} (an oversized body) are answered outside the async context.
 */
export function assignRequestId(
  request: PlatformRequest,
  response: PlatformResponse,
  next: () => void,
): void {
  const incoming = request.headers[requestIdHeader];
  const requestId =
    typeof incoming === 'string' && acceptedRequestIdPattern.test(incoming)
      ? incoming
      : randomUUID();
  request.requestId = requestId;
  response.setHeader('X-Request-Id', requestId);
  next();
}

/**
 * Runs the rest of the request inside an AsyncLocalStorage context holding its id. Registered after
 * the body parser on purpose: the parser resumes on stream events, which would lose the context.
 */
export function runInRequestContext(
  request: PlatformRequest,
  _response: PlatformResponse,
  next: () => void,
): void {
  storage.run({ requestId: request.requestId ?? randomUUID() }, next);
}
