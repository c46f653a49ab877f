import {
  type CallHandler,
  type ExecutionContext,
  HttpStatus,
  Inject,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import { type Logger } from 'pino';
import { catchError, from, mergeMap, type Observable, switchMap, throwError } from 'rxjs';
import { PLATFORM_LOGGER } from '../bootstrap/platform-tokens';
import { PlatformProblemCode, ProblemException } from '../http/problem';
import { toProblem } from '../http/to-problem';
import { AdminAuditLog } from './admin-audit-log';
import { type AdminRequest, describeAdminRequest } from './admin-context';

/** The response header naming the audit row of an admin action (operators quote it to each other). */
export const adminAuditIdHeader = 'X-Admin-Audit-Id';

/**
 * Writes the audit row of an authenticated admin action: inserted before the handler runs (if that
 * fails the action does not run: 503), completed with the outcome once it finished, success or
 * failure, before the response is sent.
 */
@Injectable()
export class AdminAuditInterceptor implements NestInterceptor {
  constructor(
    private readonly auditLog: AdminAuditLog,
    private readonly reflector: Reflector,
    @Inject(PLATFORM_LOGGER) private readonly logger: Logger,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const entry = describeAdminRequest(context, this.reflector);
    const successStatus = this.successStatus(context);
    const http = context.switchToHttp();
    return from(this.begin(entry)).pipe(
      switchMap((auditId) => {
        // The handler reads it (AdminActorOf) to record the row's id beside what it changes.
        http.getRequest<AdminRequest>().adminAuditId = auditId;
        http
          .getResponse<{ setHeader(name: string, value: string): unknown }>()
          .setHeader(adminAuditIdHeader, auditId);
        return next.handle().pipe(
          mergeMap(async (value: unknown) => {
            await this.finish(auditId, { status: successStatus });
            return value;
          }),
          catchError((error: unknown) => {
            const { problem } = toProblem(error);
            return from(this.finish(auditId, { status: problem.status, code: problem.code })).pipe(
              mergeMap(() => throwError(() => error)),
            );
          }),
        );
      }),
    );
  }

  private async begin(entry: ReturnType<typeof describeAdminRequest>): Promise<string> {
    try {
      return await this.auditLog.begin(entry);
    } catch (error) {
      this.logger.error(
        { err: error, action: entry.action },
        'could not write the admin audit log; action refused',
      );
      throw new ProblemException({
        status: HttpStatus.SERVICE_UNAVAILABLE,
        code: PlatformProblemCode.adminAuditUnavailable,
        title: 'Admin audit log unavailable',
        detail: 'The action was not performed because it could not be recorded. Try again later.',
        cause: error,
      });
    }
  }

  private async finish(auditId: string, outcome: { status: number; code?: string }): Promise<void> {
    try {
      await this.auditLog.finish(auditId, outcome);
    } catch (error) {
      // The action already happened; its row stays without an outcome, which itself is a signal.
      this.logger.error({ err: error, auditId }, 'could not record the outcome of an admin action');
    }
  }

  /** The status Nest will answer with: `@HttpCode()` if set, else 201 for POST and 200 otherwise. */
  private successStatus(context: ExecutionContext): number {
    const declared = this.reflector.get<number | undefined>(
      HTTP_CODE_METADATA,
      context.getHandler(),
    );
    if (declared !== undefined) return declared;
    return context.switchToHttp().getRequest<{ method: string }>().method === 'POST'
      ? HttpStatus.CREATED
      : HttpStatus.OK;
  }
}
