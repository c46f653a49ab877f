import { type ExecutionContext } from '@nestjs/common';
import { type Reflector } from '@nestjs/core';
import { type PlatformRequest, requestPath } from '../http/http-types';
import { type AdminAuditEntry } from './admin-audit-log';

/** Metadata key of the action name set by `@AdminOnly('…')`. */
export const ADMIN_ACTION_METADATA = 'settle.platform.admin-action';

/** The audit fields of an admin request: action name, method, path, route params, request id. */
export function describeAdminRequest(context: ExecutionContext, reflector: Reflector): AdminAuditEntry {
  const request = context.switchToHttp().getRequest<PlatformRequest>();
  const named = reflector.getAllAndOverride<string | undefined>(ADMIN_ACTION_METADATA, [context.getHandler(), context.getClass()]);
  return {
    action: named ?? `${context.getClass().name}.${context.getHandler().name}`,
    httpMethod: request.method,
    path: requestPath(request),
    targetParams: { ...(request.params ?? {}) },
    requestId: request.requestId ?? 'unknown',
    ...(request.adminOperatorId ? { operatorId: request.adminOperatorId } : {}),
  };
}
