import { applyDecorators, createParamDecorator, type ExecutionContext, SetMetadata, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiServiceUnavailableResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { type PlatformRequest } from '../http/http-types';
import { AdminAuditInterceptor } from './admin-audit.interceptor';
import { ADMIN_ACTION_METADATA } from './admin-context';
import { AdminGuard } from './admin.guard';

/** Name of the OpenAPI security scheme for admin routes. */
export const adminSecurityScheme = 'admin';

/**
 * Marks a route (or every route of a controller) as admin-only: bearer credentials checked by the
 * one {@link AdminGuard}, and the action written to the admin audit log. `action` names the row
 * (default `<Controller>.<method>`).
 *
 * @example
 * @Get('whoami')
 * @AdminOnly('registry.whoami')
 * whoami(@AdminOperator() operatorId: string) { return { operatorId }; }
 */
export function AdminOnly(action?: string): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...(action ? [SetMetadata(ADMIN_ACTION_METADATA, action)] : []),
    UseGuards(AdminGuard),
    UseInterceptors(AdminAuditInterceptor),
    ApiBearerAuth(adminSecurityScheme),
    ApiUnauthorizedResponse({ description: 'Missing or invalid admin credentials (problem+json, ADMIN_UNAUTHORIZED).' }),
    ApiServiceUnavailableResponse({ description: 'No admin credentials configured (ADMIN_NOT_CONFIGURED).' }),
  );
}

/** The verified operator id of an `@AdminOnly()` route. */
export const AdminOperator = createParamDecorator((_data: unknown, context: ExecutionContext): string => {
  const operatorId = context.switchToHttp().getRequest<PlatformRequest>().adminOperatorId;
  if (!operatorId) throw new Error('@AdminOperator() used on a route without @AdminOnly()');
  return operatorId;
});
