import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import {
  type Logger,
  PLATFORM_LOGGER,
  type PlatformRequest,
  ProblemException,
} from '@settle/platform';
import { RequestAuthenticator } from '@settle/resource-guard';
import { type DeviceAuthentication, type DeviceAuthenticator } from './device-authenticator';

/**
 * The production {@link DeviceAuthenticator}: the resource guard (libs/resource-guard) checks the
 * bound access token — signature and claims against the token issuer's JWKS, proof of possession of
 * its binding key (token binding over this TLS connection, or a DPoP proof), the key active in
 * `registry_keys` and the subject's own (`BINDING_KEY_NOT_SUBJECTS`) — and the principal becomes the
 * {@link DeviceIdentity}. Roles are left to `DeviceOnlyGuard` (its `ROLE_NOT_ALLOWED`), and which
 * device the caller may act for to the routes (`NOT_THIS_DEVICE`).
 */
@Injectable()
export class ResourceGuardDeviceAuthenticator implements DeviceAuthenticator {
  constructor(
    @Inject(RequestAuthenticator) private readonly authenticator: RequestAuthenticator,
    @Inject(PLATFORM_LOGGER) private readonly logger: Logger,
  ) {}

  async authenticate(request: PlatformRequest): Promise<DeviceAuthentication> {
    const outcome = await this.authenticator.authenticate({
      method: request.method,
      url: request.originalUrl ?? request.url,
      headers: request.headers,
      // Express's request is Node's IncomingMessage: its socket is a TLSSocket when TLS ends here,
      // a plain socket otherwise (token-binding mode then refuses: no exporter, fail closed).
      socket: (request as { socket?: object | null }).socket ?? null,
    });
    if (outcome.ok) {
      const { principal } = outcome;
      return {
        identity: { subject: principal.subject, owner: principal.owner, role: principal.role },
        headers: outcome.headers,
      };
    }
    // The code and the library's reason only: never the token, the proof or the binding message.
    this.logger.debug({ code: outcome.code, reason: outcome.reason }, 'device not authenticated');
    if (outcome.status === 503) {
      throw new ProblemException({
        status: HttpStatus.SERVICE_UNAVAILABLE,
        code: outcome.code,
        title: 'Authentication unavailable',
        detail: outcome.detail,
        headers: outcome.headers,
      });
    }
    return { identity: null, headers: outcome.headers, detail: outcome.detail };
  }
}
