/**
 * HTTP glue of the admin routes: the exception filter (identity errors → 401/403/503 with the
 * RFC 6750 challenge, everything else → the app's global error writer; a browser without a
 * session is sent to the sign-in) and the audit interceptor (one row per state-changing request,
 * whatever its outcome).
 */
import {
  ArgumentsHost,
  Catch,
  Inject,
  Injectable,
  type CallHandler,
  type ExceptionFilter,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { catchError, from, mergeMap, throwError, type Observable } from 'rxjs';
import { AuthenticationError, identityErrorToHttp } from '@cw/identity';
import {
  ADMIN_ERROR_STATUS,
  AdminAuditLogUseCase,
  ConfirmationMismatchError,
  CsrfError,
  DomainError,
  type AdminOutcome,
} from '@cw/control-plane';
import type { Logger } from '@cw/observability';
import { LOGGER } from '../core/tokens.js';
import {
  mapError,
  registerErrorStatus,
  writeError,
  type ErrorBody,
} from '../http/global-exception.filter.js';
import { wantsHtml, type CwRequest } from '../http/request-context.js';
import { messagePage } from '../views/layout.js';
import { routeOf, targetOf, type AdminRequest } from './admin-auth.guard.js';
import { ADMIN_BROWSER_LOGIN } from './admin.tokens.js';

for (const [code, status] of Object.entries(ADMIN_ERROR_STATUS)) registerErrorStatus(code, status);

@Catch()
@Injectable()
export class AdminExceptionFilter implements ExceptionFilter {
  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(ADMIN_BROWSER_LOGIN) private readonly login: unknown,
  ) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<Request>();
    const res = host.switchToHttp().getResponse<Response>();
    const http = identityErrorToHttp(error);
    if (!http) return writeError(req, res, error, this.logger);
    if (res.headersSent) return void res.end();
    // A browser opening an admin page without a session: to the sign-in, and back here after.
    if (
      error instanceof AuthenticationError &&
      error.reason === 'missing_token' &&
      req.method === 'GET' &&
      wantsHtml(req) &&
      this.login
    ) {
      res.redirect(303, `/admin/login?return=${encodeURIComponent(req.originalUrl)}`);
      return;
    }
    for (const [name, value] of Object.entries(http.headers)) res.setHeader(name, value);
    res.status(http.status);
    const correlationId = (req as CwRequest).correlationId ?? '';
    if (wantsHtml(req))
      return void res
        .type('html')
        .send(messagePage(http.status === 403 ? 'Not allowed' : 'Please sign in', [http.message]));
    const body: ErrorBody = { error: { code: http.code, message: http.message, fields: [] }, correlationId };
    res.json(body);
  }
}

/** What an admin request's error means for the audit row. */
export function outcomeOf(error: unknown): { outcome: AdminOutcome; status: number; code: string } {
  const http = identityErrorToHttp(error);
  if (http)
    return { outcome: http.status === 503 ? 'failed' : 'denied', status: http.status, code: http.code };
  const mapped = mapError(error);
  const status = mapped?.status ?? 500;
  const code = mapped?.code ?? 'internal';
  if (error instanceof ConfirmationMismatchError || error instanceof CsrfError)
    return { outcome: 'denied', status, code };
  if (error instanceof DomainError || (status >= 400 && status < 500))
    return { outcome: status >= 500 ? 'failed' : 'rejected', status, code };
  return { outcome: 'failed', status, code };
}

/** Fields of a use case result worth keeping in the audit row (never the whole body). */
function summary(result: unknown): Record<string, unknown> {
  if (!result || typeof result !== 'object') return {};
  const r = result as Record<string, unknown>;
  const keep = ['state', 'via', 'plan', 'seats', 'step', 'goal', 'runId', 'jobId', 'subscriptionId'];
  const out: Record<string, unknown> = Object.fromEntries(
    keep.filter((k) => r[k] !== undefined).map((k) => [k, r[k]]),
  );
  if (r.run && typeof r.run === 'object') out.run = r.run;
  return out;
}

@Injectable()
export class AdminAuditInterceptor implements NestInterceptor {
  constructor(
    @Inject(AdminAuditLogUseCase) private readonly audit: AdminAuditLogUseCase,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const route = routeOf(context);
    if (!route || route.method === 'GET') return next.handle();
    const req = context.switchToHttp().getRequest<AdminRequest>();
    const write = async (
      outcome: AdminOutcome,
      tenantId: string | null,
      details: Record<string, unknown>,
    ) => {
      try {
        await this.audit.record({
          actor: { kind: 'admin', subjectHash: req.admin!.actorHash },
          action: route.operationId,
          target: targetOf(req),
          tenantId,
          outcome,
          correlationId: req.correlationId ?? '',
          details: { ...details, credential: req.admin!.credential },
        });
      } catch (error) {
        this.logger.error(
          { err: error, operationId: route.operationId, correlationId: req.correlationId },
          'admin audit row could not be written',
        );
      }
    };
    return next.handle().pipe(
      mergeMap(async (result) => {
        const tenantId =
          result &&
          typeof result === 'object' &&
          typeof (result as { tenantId?: unknown }).tenantId === 'string'
            ? (result as { tenantId: string }).tenantId
            : null;
        await write('ok', tenantId, { status: route.response.status, ...summary(result) });
        return result;
      }),
      catchError((error: unknown) => {
        const { outcome, status, code } = outcomeOf(error);
        return from(write(outcome, null, { status, code })).pipe(mergeMap(() => throwError(() => error)));
      }),
    );
  }
}
