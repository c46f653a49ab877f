import {
  applyDecorators,
  createParamDecorator,
  type ExecutionContext,
  SetMetadata,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiServiceUnavailableResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ApiForbiddenResponse, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import { AdminAuditInterceptor } from './admin-audit.interceptor';
import {
  ADMIN_ACTION_METADATA,
  ADMIN_ROLE_METADATA,
  type AdminActor,
  type AdminRequest,
} from './admin-context';
import { type AdminRole } from './admin-credentials';
import { AdminGuard } from './admin.guard';

/** Name of the OpenAPI security scheme for admin routes. */
export const adminSecurityScheme = 'admin';

/**
 * Marks a route (or every route of a controller) as admin-only: bearer credentials checked by the
 * one {@link AdminGuard}, and the action written to the admin audit log. `action` names the row
 * (default `<Controller>.<method>`); `role` is the role the operator's credential must hold (any
 * authenticated operator may call a route that names none: every role may read).
 *
 * @example
 * @Get('whoami')
 * @AdminOnly('registry.whoami')
 * whoami(@AdminOperator() operatorId: string) { return { operatorId }; }
 */
export function AdminOnly(
  action?: string,
  options: { readonly role?: AdminRole } = {},
): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...(action ? [SetMetadata(ADMIN_ACTION_METADATA, action)] : []),
    ...(options.role
      ? [
          SetMetadata(ADMIN_ROLE_METADATA, options.role),
          ApiForbiddenResponse({
            description: `The credential lacks the ${options.role} role (ADMIN_ROLE_REQUIRED).`,
          }),
        ]
      : []),
    UseGuards(AdminGuard),
    UseInterceptors(AdminAuditInterceptor),
    ApiBearerAuth(adminSecurityScheme),
    ApiUnauthorizedResponse({
      description: 'Missing or invalid admin credentials (problem+json, ADMIN_UNAUTHORIZED).',
    }),
    ApiServiceUnavailableResponse({
      description: 'No admin credentials configured (ADMIN_NOT_CONFIGURED).',
    }),
    ApiTooManyRequestsResponse({
      description: 'Too many unverified login attempts (ADMIN_LOGIN_THROTTLED).',
    }),
  );
}

/** The verified operator id of an `@AdminOnly()` route. */
export const AdminOperator = createParamDecorator(
  (_data: unknown, context: ExecutionContext): string => {
    const operatorId = context.switchToHttp().getRequest<AdminRequest>().adminOperatorId;
    if (!operatorId) throw new Error('@AdminOperator() used on a route without @AdminOnly()');
    return operatorId;
  },
);

/**
 * The verified operator of an `@AdminOnly()` route with the id of the action's audit row and the
 * request id the server made: what a change records of who made it.
 */
export const AdminActorOf = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AdminActor => {
    const request = context.switchToHttp().getRequest<AdminRequest>();
    const { adminOperatorId, adminCredentialId, adminAuditId, adminRequestId } = request;
    if (!adminOperatorId || !adminCredentialId || !adminAuditId || !adminRequestId)
      throw new Error('@AdminActorOf() used on a route without @AdminOnly()');
    return {
      operatorId: adminOperatorId,
      credentialId: adminCredentialId,
      auditId: adminAuditId,
      requestId: adminRequestId,
    };
  },
);
