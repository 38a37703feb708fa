/**
 * Every admin route passes this guard. It reads the route's table entry (no entry → refused),
 * authenticates the caller — bearer token first, else the admin session cookie — checks the
 * route's minimum role, and for state changes made with the cookie the CSRF token. Each refusal
 * (401, 403, CSRF) is written to the audit log before the error goes on to the filter; the row
 * names the caller by pseudonym only. No issuer configured → 503, whatever the credential.
 */
import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import {
  AuthenticationError,
  AuthorizationError,
  IdentityProviderUnavailableError,
  auditActor,
  requireRole,
  type BearerVerifier,
  type Role,
} from '@cw/identity';
import {
  AdminAuditLogUseCase,
  AdminNotConfiguredError,
  CsrfError,
  type AdminContext,
  type AdminOutcome,
} from '@cw/control-plane';
import type { AuditActor } from '@cw/db';
import { hashId, type Logger } from '@cw/observability';
import { LOGGER } from '../core/tokens.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { CwRequest } from '../http/request-context.js';
import { ADMIN_OPERATION, type AdminRoute } from './admin-routes.js';
import { AdminCookies, type AdminSession } from './admin-session.js';
import { ADMIN_BEARER_VERIFIER } from './admin.tokens.js';

export interface AdminIdentity {
  /** `sha256:<hex16>`: the audit pseudonym. */
  actorHash: string;
  roles: readonly Role[];
  credential: 'bearer' | 'session';
  session?: AdminSession;
}

export interface AdminRequest extends CwRequest {
  admin?: AdminIdentity;
}

export const adminContextOf = (req: Request): AdminContext => {
  const admin = (req as AdminRequest).admin;
  if (!admin) throw new Error('admin handler reached without the admin guard');
  return {
    actor: { kind: 'admin', subjectHash: admin.actorHash },
    correlationId: (req as CwRequest).correlationId ?? '',
  };
};

export const routeOf = (context: ExecutionContext): AdminRoute | undefined =>
  Reflect.getMetadata(ADMIN_OPERATION, context.getHandler()) as AdminRoute | undefined;

/** The tenant the request names, as given (audit target). */
export const targetOf = (req: Request): string | null => {
  const value = (req.params as Record<string, string | undefined>).tenant;
  return typeof value === 'string' ? value : null;
};

export const clientActor = (req: Request): AuditActor => ({
  kind: 'anonymous',
  ipHash: hashId(req.ip ?? req.socket.remoteAddress ?? 'unknown'),
});

@Injectable()
export class AdminAuthGuard implements CanActivate {
  constructor(
    @Inject(ADMIN_BEARER_VERIFIER) private readonly verifier: BearerVerifier | null,
    @Inject(AdminCookies) private readonly cookies: AdminCookies,
    @Inject(AdminAuditLogUseCase) private readonly audit: AdminAuditLogUseCase,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(MetricsService) private readonly metrics: MetricsService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const route = routeOf(context);
    // Fail closed: a handler the table does not know is not served.
    if (!route) throw new Error('admin handler without an ADMIN_ROUTES entry');
    if (!this.verifier) throw new AdminNotConfiguredError();
    const req = context.switchToHttp().getRequest<AdminRequest>();
    const res = context.switchToHttp().getResponse<import('express').Response>();
    res.once('finish', () => this.metrics.admin.observe(route.operationId, res.statusCode));
    let known: AdminIdentity | undefined;
    try {
      known = await this.authenticate(req, this.verifier);
      requireRole(known, route.minRole);
      if (known.credential === 'session' && route.method !== 'GET') {
        const body = req.body as Record<string, unknown> | undefined;
        const token =
          req.headers['x-csrf-token'] ?? (body && typeof body === 'object' ? body._csrf : undefined);
        if (!this.cookies.csrfValid(known.session!, token)) throw new CsrfError();
      }
      req.admin = known;
      return true;
    } catch (error) {
      await this.recordRefusal(req, route, known, error);
      throw error;
    }
  }

  private async authenticate(req: Request, verifier: BearerVerifier): Promise<AdminIdentity> {
    const header = req.headers.authorization;
    const session = header ? undefined : this.cookies.readSession(req);
    if (session)
      return {
        actorHash: auditActor(session.user),
        roles: session.user.roles,
        credential: 'session',
        session,
      };
    const principal = await verifier.verify(header);
    return { actorHash: auditActor(principal), roles: principal.roles, credential: 'bearer' };
  }

  private async recordRefusal(
    req: AdminRequest,
    route: AdminRoute,
    known: AdminIdentity | undefined,
    error: unknown,
  ): Promise<void> {
    let outcome: AdminOutcome = 'denied';
    let details: Record<string, unknown>;
    if (error instanceof AuthenticationError) details = { status: 401, reason: error.reason };
    else if (error instanceof AuthorizationError)
      details = { status: 403, reason: 'insufficient_role', requiredRole: error.requiredRole };
    else if (error instanceof CsrfError) details = { status: 403, reason: 'csrf_failed' };
    else if (error instanceof IdentityProviderUnavailableError)
      [outcome, details] = ['failed', { status: 503, reason: 'identity_provider_unavailable' }];
    else [outcome, details] = ['failed', { status: 500, reason: 'internal' }];
    const correlationId = req.correlationId ?? '';
    // The token's claims are unverified on a 401: the caller is known by a hash of its address only.
    const actor: AuditActor = known ? { kind: 'admin', subjectHash: known.actorHash } : clientActor(req);
    this.logger.warn({ operationId: route.operationId, ...details, correlationId }, 'admin request refused');
    try {
      await this.audit.record({
        actor,
        action: route.operationId,
        target: targetOf(req),
        outcome,
        correlationId,
        details: {
          ...details,
          method: route.method,
          route: route.path,
          credential: known?.credential ?? (req.headers.authorization ? 'bearer' : 'none'),
        },
      });
    } catch (auditError) {
      // The refusal stands either way; a lost audit row is an operational alarm, not a 500.
      this.logger.error(
        { err: auditError, correlationId },
        'audit row for a refused admin request could not be written',
      );
    }
  }
}
