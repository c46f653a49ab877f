import { randomUUID } from 'node:crypto';
import { type ExecutionContext } from '@nestjs/common';
import { type Reflector } from '@nestjs/core';
import { type PlatformRequest, requestPath } from '../http/http-types';
import { type AdminAuditEntry } from './admin-audit-log';
import { type AdminRole } from './admin-credentials';

/** Metadata key of the action name set by `@AdminOnly('…')`. */
export const ADMIN_ACTION_METADATA = 'settle.platform.admin-action';
/** Metadata key of the role `@AdminOnly('…', { role })` requires. */
export const ADMIN_ROLE_METADATA = 'settle.platform.admin-role';

/** What the admin guard and audit interceptor add to a request. */
export interface AdminRequest extends PlatformRequest {
  adminCredentialId?: string;
  adminRoles?: readonly AdminRole[];
  /** The id of the admin_audit_log row of this action, once inserted. */
  adminAuditId?: string;
  /** Made by the server for every admin request; a caller's X-Request-Id is never the audit's id. */
  adminRequestId?: string;
  readonly socket?: { readonly remoteAddress?: string | undefined };
}

/** Who performs an admin action, and where it is recorded: what a ledger entry keeps of its maker. */
export interface AdminActor {
  readonly operatorId: string;
  readonly credentialId: string;
  readonly auditId: string;
  readonly requestId: string;
}

/**
 * The audit fields of an admin request: action name, method, path, route params, and the request id
 * the server made — never the caller's X-Request-Id, which would let a client make two actions share
 * an id or point the audit at another request (the caller's id stays in the request's log lines;
 * the trace id joins the two).
 */
export function describeAdminRequest(
  context: ExecutionContext,
  reflector: Reflector,
): AdminAuditEntry {
  const request = context.switchToHttp().getRequest<AdminRequest>();
  const named = reflector.getAllAndOverride<string | undefined>(ADMIN_ACTION_METADATA, [
    context.getHandler(),
    context.getClass(),
  ]);
  request.adminRequestId ??= randomUUID();
  return {
    action: named ?? `${context.getClass().name}.${context.getHandler().name}`,
    httpMethod: request.method,
    path: requestPath(request),
    targetParams: { ...(request.params ?? {}) },
    requestId: request.adminRequestId,
    ...(request.adminOperatorId ? { operatorId: request.adminOperatorId } : {}),
  };
}
