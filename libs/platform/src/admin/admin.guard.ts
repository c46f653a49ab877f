import { type CanActivate, type ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { PlatformProblemCode, ProblemException } from '../http/problem';
import { AdminAuditLog } from './admin-audit-log';
import { type AdminAuthentication, AdminAuthenticator } from './admin-authenticator';
import { ADMIN_ROLE_METADATA, type AdminRequest, describeAdminRequest } from './admin-context';
import { type AdminRole } from './admin-credentials';

/** A verified operator whose credential lacks the role the route requires (403). */
export const adminRoleRequiredCode = 'ADMIN_ROLE_REQUIRED';
/** Too many unverified admin logins for the credential id, the address or the process (429). */
export const adminLoginThrottledCode = 'ADMIN_LOGIN_THROTTLED';

/**
 * Lets a request through only with valid admin bearer credentials holding the role the route
 * requires; records every refusal in the audit log. Applied by `@AdminOnly()`. Without configured
 * credentials every admin route answers 503: an admin API is never open.
 */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(
    private readonly authenticator: AdminAuthenticator,
    private readonly auditLog: AdminAuditLog,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AdminRequest>();
    const authorization = request.headers.authorization;
    const result = await this.authenticator.authenticate(
      typeof authorization === 'string' ? authorization : undefined,
      request.socket?.remoteAddress,
    );
    if (result.outcome === 'authenticated') {
      request.adminOperatorId = result.operatorId;
      request.adminCredentialId = result.credentialId;
      request.adminRoles = result.roles;
      const required = this.reflector.getAllAndOverride<AdminRole | undefined>(
        ADMIN_ROLE_METADATA,
        [context.getHandler(), context.getClass()],
      );
      if (required === undefined || result.roles.includes(required)) return true;
      const problem = roleRequired(required);
      await this.auditLog.recordForbidden(describeAdminRequest(context, this.reflector), {
        status: problem.problem.status,
        code: problem.problem.code,
      });
      throw problem;
    }
    const problem = refusal(result);
    const entry = describeAdminRequest(context, this.reflector);
    await this.auditLog.recordRejected(
      {
        ...entry,
        ...(result.outcome !== 'not-configured' && result.claimedOperatorId
          ? { claimedOperatorId: result.claimedOperatorId }
          : {}),
      },
      { status: problem.problem.status, code: problem.problem.code },
    );
    throw problem;
  }
}

function roleRequired(role: AdminRole): ProblemException {
  return new ProblemException({
    status: HttpStatus.FORBIDDEN,
    code: adminRoleRequiredCode,
    title: 'Operator role required',
    detail: `This action needs an operator credential with the ${role} role.`,
  });
}

function refusal(
  result: Exclude<AdminAuthentication, { outcome: 'authenticated' }>,
): ProblemException {
  switch (result.outcome) {
    case 'not-configured':
      return new ProblemException({
        status: HttpStatus.SERVICE_UNAVAILABLE,
        code: PlatformProblemCode.adminNotConfigured,
        title: 'Admin API not configured',
        detail: 'This service has no admin credentials configured (SETTLE_ADMIN_CREDENTIALS).',
      });
    case 'throttled':
      return new ProblemException({
        status: HttpStatus.TOO_MANY_REQUESTS,
        code: adminLoginThrottledCode,
        title: 'Too many admin login attempts',
        detail: 'Too many unverified admin credentials were presented; try again later.',
        headers: { 'Retry-After': String(result.retryAfterSeconds) },
      });
    case 'rejected':
      return new ProblemException({
        status: HttpStatus.UNAUTHORIZED,
        code: PlatformProblemCode.adminUnauthorized,
        title: 'Admin credentials required',
        // Deliberately silent about which part (scheme, operator, secret) was wrong.
        detail: 'Send valid admin credentials as "Authorization: Bearer <credentialId>.<secret>".',
        headers: { 'WWW-Authenticate': 'Bearer realm="settle-admin"' },
      });
  }
}
