import { type CanActivate, type ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { type PlatformRequest } from '../http/http-types';
import { PlatformProblemCode, ProblemException } from '../http/problem';
import { AdminAuditLog } from './admin-audit-log';
import { AdminAuthenticator } from './admin-authenticator';
import { describeAdminRequest } from './admin-context';

/**
 * Lets a request through only with valid admin bearer credentials; records every refusal in the
 * audit log. Applied by `@AdminOnly()`. Without configured credentials every admin route answers
 * 503: an admin API is never open.
 */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(
    private readonly authenticator: AdminAuthenticator,
    private readonly auditLog: AdminAuditLog,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<PlatformRequest>();
    const authorization = request.headers.authorization;
    const result = await this.authenticator.authenticate(typeof authorization === 'string' ? authorization : undefined);
    if (result.outcome === 'authenticated') {
      request.adminOperatorId = result.operatorId;
      return true;
    }
    const problem =
      result.outcome === 'not-configured'
        ? new ProblemException({
            status: HttpStatus.SERVICE_UNAVAILABLE,
            code: PlatformProblemCode.adminNotConfigured,
            title: 'Admin API not configured',
            detail: 'This service has no admin credentials configured (SETTLE_ADMIN_CREDENTIALS).',
          })
        : new ProblemException({
            status: HttpStatus.UNAUTHORIZED,
            code: PlatformProblemCode.adminUnauthorized,
            title: 'Admin credentials required',
            // Deliberately silent about which part (scheme, operator, secret) was wrong.
            detail: 'Send valid admin credentials as "Authorization: Bearer <operatorId>.<secret>".',
            headers: { 'WWW-Authenticate': 'Bearer realm="settle-admin"' },
          });
    const entry = describeAdminRequest(context, this.reflector);
    await this.auditLog.recordRejected(
      { ...entry, ...(result.outcome === 'rejected' && result.claimedOperatorId ? { claimedOperatorId: result.claimedOperatorId } : {}) },
      { status: problem.problem.status, code: problem.problem.code },
    );
    throw problem;
  }
}
