import {
  applyDecorators,
  type CanActivate,
  createParamDecorator,
  type ExecutionContext,
  HttpStatus,
  Inject,
  Injectable,
  SetMetadata,
  UseGuards,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { type PrincipalRole } from '@settle/contracts';
import {
  type PlatformRequest,
  PlatformProblemCode,
  type PlatformResponse,
  ProblemException,
} from '@settle/platform';
import {
  DEVICE_AUTHENTICATOR,
  type DeviceAuthenticator,
  type DeviceIdentity,
} from './device-authenticator';

const deviceRoleMetadata = 'settle.registry.DEVICE_ROLE';

interface AuthenticatedRequest extends PlatformRequest {
  deviceIdentity?: DeviceIdentity;
}

/** The problem codes of device authentication. Closed, append-only. */
export const deviceAuthenticationCodes = {
  unauthenticated: PlatformProblemCode.unauthorized,
  roleNotAllowed: 'ROLE_NOT_ALLOWED',
  notThisSubject: 'NOT_THIS_DEVICE',
} as const;

/** 403 for a caller authenticated as someone else than the route's subject (or its owner). */
export function notThisDevice(field: string): ProblemException {
  const code = deviceAuthenticationCodes.notThisSubject;
  return new ProblemException({
    status: HttpStatus.FORBIDDEN,
    code,
    title: 'Not this device',
    detail: `${field}: the caller is not this device or terminal`,
    errors: [{ field, code, message: 'is not the authenticated caller' }],
  });
}

/**
 * Lets a request through only when the {@link DeviceAuthenticator} recognises the caller in the
 * route's role: 401 (problem+json, `UNAUTHORIZED`, with the authenticator's challenge headers) when it
 * does not, 403 `ROLE_NOT_ALLOWED` for the
 * other role. Which device the caller may act for is the route's check ({@link notThisDevice}).
 */
@Injectable()
export class DeviceOnlyGuard implements CanActivate {
  constructor(
    @Inject(DEVICE_AUTHENTICATOR) private readonly authenticator: DeviceAuthenticator,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const role = this.reflector.get<PrincipalRole | undefined>(
      deviceRoleMetadata,
      context.getHandler(),
    );
    if (role === undefined) throw new Error('DeviceOnlyGuard used without @DeviceOnly(role)');
    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest>();
    const authentication = await this.authenticator.authenticate(request);
    const headers = authentication.headers ?? {};
    const identity = authentication.identity;
    if (identity === null) {
      throw new ProblemException({
        status: HttpStatus.UNAUTHORIZED,
        code: deviceAuthenticationCodes.unauthenticated,
        title: 'Device authentication required',
        detail:
          ('detail' in authentication ? authentication.detail : undefined) ??
          'Send the device’s bound access token.',
        headers: { 'WWW-Authenticate': 'Bearer realm="settle-devices"', ...headers },
      });
    }
    const response = http.getResponse<PlatformResponse>();
    for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
    if (identity.role !== role) {
      throw new ProblemException({
        status: HttpStatus.FORBIDDEN,
        code: deviceAuthenticationCodes.roleNotAllowed,
        title: 'Role not allowed',
        detail: `This route is for a ${role}.`,
      });
    }
    request.deviceIdentity = identity;
    return true;
  }
}

/** Marks a route as device-facing for one role (see {@link DeviceOnlyGuard}). */
export function DeviceOnly(role: PrincipalRole): MethodDecorator {
  return applyDecorators(
    SetMetadata(deviceRoleMetadata, role),
    UseGuards(DeviceOnlyGuard),
    ApiUnauthorizedResponse({
      description: 'No valid bound access token (problem+json, UNAUTHORIZED).',
    }),
    ApiForbiddenResponse({
      description: 'Another role (ROLE_NOT_ALLOWED) or another device (NOT_THIS_DEVICE).',
    }),
  );
}

/** The caller of a `@DeviceOnly()` route. */
export const AuthenticatedDevice = createParamDecorator(
  (_data: unknown, context: ExecutionContext): DeviceIdentity => {
    const identity = context.switchToHttp().getRequest<AuthenticatedRequest>().deviceIdentity;
    if (!identity) throw new Error('@AuthenticatedDevice() used on a route without @DeviceOnly()');
    return identity;
  },
);
