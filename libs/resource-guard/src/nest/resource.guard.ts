import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { type PrincipalRole } from '@settle/contracts';
import {
  type Logger,
  PLATFORM_LOGGER,
  type PlatformResponse,
  ProblemException,
} from '@settle/platform';
import { type GuardRequest, RequestAuthenticator } from '../authenticate/request-authenticator';
import { REQUIRED_ROLES_METADATA, principalProperty } from './resource-guard-tokens';

const titles = {
  401: 'Authentication required',
  403: 'Not allowed for these credentials',
  503: 'Authentication unavailable',
} as const;

/** The Express request as the guard sees it. */
type HttpRequest = GuardRequest & { readonly originalUrl?: string; [principalProperty]?: unknown };

/**
 * The Nest face of {@link RequestAuthenticator}: applied by `@Authenticated()` / `@RequireRole()`,
 * it leaves the principal on the request for `@AuthenticatedPrincipal()` and answers refusals as
 * `application/problem+json` (401, 403 for a role, 503 when keys or the replay cache are
 * unreachable) with `WWW-Authenticate` (and `DPoP-Nonce` when one is needed).
 */
@Injectable()
export class ResourceGuard implements CanActivate {
  constructor(
    @Inject(RequestAuthenticator) private readonly authenticator: RequestAuthenticator,
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(PLATFORM_LOGGER) private readonly logger: Logger,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<HttpRequest>();
    const response = http.getResponse<PlatformResponse>();
    const roles =
      this.reflector.getAllAndOverride<readonly PrincipalRole[] | undefined>(
        REQUIRED_ROLES_METADATA,
        [context.getHandler(), context.getClass()],
      ) ?? [];
    const outcome = await this.authenticator.authenticate(
      {
        method: request.method,
        url: request.originalUrl ?? request.url,
        headers: request.headers,
        socket: request.socket,
      },
      roles,
    );
    if (outcome.ok) {
      for (const [name, value] of Object.entries(outcome.headers)) response.setHeader(name, value);
      request[principalProperty] = outcome.principal;
      return true;
    }
    // The code and the library's reason only: never the token, the proof or the binding message.
    this.logger.debug({ code: outcome.code, reason: outcome.reason }, 'request not authenticated');
    throw new ProblemException({
      status: outcome.status,
      code: outcome.code,
      title: titles[outcome.status],
      detail: outcome.detail,
      headers: outcome.headers,
    });
  }
}
