import {
  type ExecutionContext,
  SetMetadata,
  UseGuards,
  applyDecorators,
  createParamDecorator,
} from '@nestjs/common';
import { ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { type PrincipalRole } from '@settle/contracts';
import { type Principal } from '../authenticate/request-authenticator';
import { ResourceGuard } from './resource.guard';
import { REQUIRED_ROLES_METADATA, principalProperty } from './resource-guard-tokens';

/**
 * Requires a bound access token (and its proof of possession) on a route or every route of a
 * controller; with `roles`, only principals of those roles (others get 403 ROLE_FORBIDDEN).
 *
 * @example
 * @Post('uploads')
 * @Authenticated({ roles: ['pos-terminal'] })
 * upload(@AuthenticatedPrincipal() principal: Principal, @Body() body: UploadRequest) { … }
 */
export function Authenticated(
  options: { readonly roles?: readonly PrincipalRole[] } = {},
): MethodDecorator & ClassDecorator {
  const roles = options.roles ?? [];
  return applyDecorators(
    SetMetadata(REQUIRED_ROLES_METADATA, roles),
    UseGuards(ResourceGuard),
    ApiUnauthorizedResponse({
      description:
        'No valid bound access token (problem+json; codes in docs/security.md, WWW-Authenticate says which scheme).',
    }),
    ...(roles.length > 0
      ? [
          ApiForbiddenResponse({
            description: `Only for ${roles.join(' or ')} credentials (ROLE_FORBIDDEN).`,
          }),
        ]
      : []),
  );
}

/**
 * Shorthand for `@Authenticated({ roles })`.
 *
 * @example
 * @Get('me') @RequireRole('consumer-device') me(@AuthenticatedPrincipal() principal: Principal) { return principal; }
 */
export function RequireRole(...roles: readonly PrincipalRole[]): MethodDecorator & ClassDecorator {
  if (roles.length === 0) throw new Error('@RequireRole() needs at least one role');
  return Authenticated({ roles });
}

/**
 * The {@link Principal} of an `@Authenticated()` route.
 *
 * @example
 * list(@AuthenticatedPrincipal() principal: Principal) { return this.devices.of(principal.owner); }
 */
export const AuthenticatedPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => {
    const principal = context.switchToHttp().getRequest<{ [principalProperty]?: Principal }>()[
      principalProperty
    ];
    if (principal === undefined)
      throw new Error('@AuthenticatedPrincipal() used on a route without @Authenticated()');
    return principal;
  },
);
