import { request as httpsRequest } from 'node:https';
import { type TlsEndpoint } from '@settle/device-session';

/**
 * Where the four services answer, as devices and an operator reach them: the three TLS services by
 * endpoint (trusting `caPem`), the ledger's admin API by URL, and the operator's admin credential.
 * The same whether the services run in this process (tests) or as the processes `npm start` started.
 */
export interface Endpoints {
  readonly issuer: TlsEndpoint;
  readonly registry: TlsEndpoint;
  readonly verifier: TlsEndpoint;
  readonly ledgerUrl: string;
  /** The CA the services' TLS certificates chain to (PEM). */
  readonly caPem: string;
  /** `Bearer <operatorId>.<secret>` accepted by every service's admin routes. */
  readonly adminAuthorization: string;
}

/** A JSON answer: status and the parsed body (`{}` when empty). */
export interface HttpAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** Bound of one call to a service: a stuck call fails the run instead of hanging it. */
export const serviceCallTimeoutMs = 30_000;

/** A JSON call over HTTPS (TLS 1.3) to `endpoint`, trusting `caPem`. */
export function httpsJsonCall(
  endpoint: TlsEndpoint,
  caPem: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<HttpAnswer> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      {
        host: endpoint.host,
        port: endpoint.port,
        servername: endpoint.servername ?? 'localhost',
        ca: caPem,
        minVersion: 'TLSv1.3',
        method,
        path,
        timeout: serviceCallTimeoutMs,
        // A connection per call: Node's global agent keeps sockets alive for 5 s, exactly the server's
        // keep-alive timeout, so a call after a pause (e.g. the payments over sound) could be written to
        // a socket the server is closing and fail with ECONNRESET.
        agent: false,
        headers: {
          accept: 'application/json',
          ...headers,
          ...(payload
            ? { 'content-type': 'application/json', 'content-length': String(payload.length) }
            : {}),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            body: parseJsonObject(Buffer.concat(chunks).toString('utf8')),
          }),
        );
      },
    );
    request.on('timeout', () =>
      request.destroy(new Error(`${method} ${path}: no answer within ${serviceCallTimeoutMs} ms`)),
    );
    request.on('error', reject);
    request.end(payload);
  });
}

/** An operator's call (or, without `authorization`, an enrolling device's) to the registry. */
export function registryCall(
  endpoints: Endpoints,
  method: string,
  path: string,
  body?: unknown,
  authorization?: string,
): Promise<HttpAnswer> {
  return httpsJsonCall(
    endpoints.registry,
    endpoints.caPem,
    method,
    path,
    body,
    authorization ? { authorization } : {},
  );
}

/** An operator's call to the registry's admin API. */
export function registryAdmin(
  endpoints: Endpoints,
  method: string,
  path: string,
  body?: unknown,
): Promise<HttpAnswer> {
  return registryCall(endpoints, method, path, body, endpoints.adminAuthorization);
}

/** An operator's call to the ledger's admin API (plain HTTP on loopback). */
export async function ledgerAdmin(
  endpoints: Endpoints,
  method: string,
  path: string,
  body?: unknown,
): Promise<HttpAnswer> {
  const response = await fetch(`${endpoints.ledgerUrl}${path}`, {
    method,
    headers: {
      authorization: endpoints.adminAuthorization,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(serviceCallTimeoutMs),
  });
  return { status: response.status, body: parseJsonObject(await response.text()) };
}

/** Throws with the answer in the message unless `answer.status` is one of `statuses`. */
export function expectStatus(
  answer: HttpAnswer,
  statuses: number | readonly number[],
  what: string,
): HttpAnswer {
  const allowed = typeof statuses === 'number' ? [statuses] : statuses;
  if (!allowed.includes(answer.status))
    throw new Error(`${what}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer;
}

function parseJsonObject(text: string): Record<string, unknown> {
  if (text === '') return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : { value: parsed };
  } catch {
    return { text };
  }
}
