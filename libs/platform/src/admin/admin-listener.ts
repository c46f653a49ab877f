import { type Socket } from 'node:net';
import { type Server } from 'node:http';
import { Server as TlsServer } from 'node:tls';
import { NotFoundException } from '@nestjs/common';
import { type PlatformRequest, requestPath } from '../http/http-types';

/** Paths answered on the admin port besides `/admin/*`: the probes, and the OpenAPI UI and documents. */
const healthPathPattern = /^\/health(\/|$)/;
const docsPathPattern = /^\/docs(-json|-yaml)?(\/|$)/;
/** The Swagger UI (not its documents): on the admin port only, when there is one. */
const docsUiPathPattern = /^\/docs(\/|$)/;
const adminPathPattern = /^\/admin(\/|$)/;

/**
 * The path as the router could understand it: Express's `req.path` (absolute-form targets resolved),
 * percent-decoded, repeated slashes collapsed and lower-cased (Express routing is case-insensitive),
 * so no spelling of `/admin/…` slips past {@link isAdminPath}.
 */
function normalisedPath(request: PlatformRequest): string {
  let path = request.path ?? requestPath(request);
  try {
    path = decodeURIComponent(path);
  } catch {
    // A malformed escape cannot match a route literally spelt `admin`; judge the raw text.
  }
  return path.replace(/\/{2,}/g, '/').toLowerCase();
}

export function isAdminPath(request: PlatformRequest): boolean {
  return adminPathPattern.test(normalisedPath(request));
}

export function isHealthPath(request: PlatformRequest): boolean {
  return healthPathPattern.test(normalisedPath(request));
}

function isDocsPath(request: PlatformRequest): boolean {
  return docsPathPattern.test(normalisedPath(request));
}

function isDocsUiPath(request: PlatformRequest): boolean {
  return docsUiPathPattern.test(normalisedPath(request));
}

export interface SocketRequest extends PlatformRequest {
  readonly socket: Socket;
}

/**
 * Separates the admin routes from the public ones when SETTLE_ADMIN_PORT is set: one Express
 * application, two servers. Connections accepted by the admin server are tagged; on them only
 * `/admin/*`, `/health/*` and the OpenAPI UI and documents answer, and on every other connection
 * `/admin/*` and the Swagger UI answer 404 (as an unknown route would), so whatever reaches the main
 * port — a public load balancer — never reaches an admin handler. (The main port's OpenAPI document
 * leaves the admin routes out, and its readiness is a bare status: see the health controller.)
 */
export class AdminListenerSeparation {
  private readonly adminSockets = new WeakSet<Socket>();

  /**
   * Tags every connection `server` accepts as an admin connection. Call before it listens. Over TLS
   * the requests arrive on the TLS socket wrapped around the accepted one, so that is the one tagged.
   */
  attach(server: Server): void {
    if (server instanceof TlsServer)
      server.on('secureConnection', (socket: Socket) => this.adminSockets.add(socket));
    else server.on('connection', (socket: Socket) => this.adminSockets.add(socket));
  }

  isAdminConnection(request: SocketRequest): boolean {
    return this.adminSockets.has(request.socket);
  }

  /** Express middleware; register it before any route. */
  readonly middleware = (
    request: SocketRequest,
    _response: unknown,
    next: (error?: unknown) => void,
  ): void => {
    const allowed = this.isAdminConnection(request)
      ? isAdminPath(request) || isHealthPath(request) || isDocsPath(request)
      : !isAdminPath(request) && !isDocsUiPath(request);
    if (allowed) return next();
    // The same answer as Nest's for a route that does not exist.
    next(new NotFoundException(`Cannot ${request.method} ${requestPath(request)}`));
  };
}
