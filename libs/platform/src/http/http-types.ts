/**
 * The little of Express's request and response the platform touches. `@types/express` is not a
 * dependency, so these structural types stand in for it (an Express object satisfies them).
 */
export interface PlatformRequest {
  readonly method: string;
  readonly url: string;
  readonly originalUrl?: string;
  readonly path?: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly params?: Readonly<Record<string, string>>;
  /** Set by the request-id middleware. */
  requestId?: string;
  /** Set by the admin guard once the bearer credentials verified. */
  adminOperatorId?: string;
}

export interface PlatformResponse {
  statusCode: number;
  readonly headersSent: boolean;
  setHeader(name: string, value: string | number): unknown;
  status(code: number): PlatformResponse;
  type(contentType: string): PlatformResponse;
  send(body: string): unknown;
  json(body: unknown): unknown;
  once(event: 'finish' | 'close', listener: () => void): unknown;
}

/** The path of a request without its query string (query strings may carry ids worth not logging). */
export function requestPath(request: PlatformRequest): string {
  const url = request.originalUrl ?? request.url;
  const queryStart = url.indexOf('?');
  return queryStart === -1 ? url : url.slice(0, queryStart);
}
