/**
 * Browser sign-in for the admin pages (authorization code + PKCE through @cw/identity):
 * GET /admin/login → the IdP → GET /admin/callback → sealed session cookie → back to the page.
 * POST /admin/logout ends it (CSRF token of the session). These three are the sign-in itself, so
 * they are not in ADMIN_ROUTES; each outcome of a sign-in is audited as `adminLogin`.
 */
import { Controller, Get, HttpCode, Inject, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AuthenticationError, auditActor, type BrowserLogin } from '@cw/identity';
import { AdminAuditLogUseCase, AdminNotConfiguredError, CsrfError } from '@cw/control-plane';
import type { Logger } from '@cw/observability';
import { LOGGER } from '../core/tokens.js';
import type { CwRequest } from '../http/request-context.js';
import { clientActor } from './admin-auth.guard.js';
import { AdminExceptionFilter } from './admin-http.js';
import { AdminCookies } from './admin-session.js';
import { ADMIN_BEARER_VERIFIER, ADMIN_BROWSER_LOGIN } from './admin.tokens.js';

/** The paths that make up the sign-in: outside the route table on purpose (see the role-matrix test). */
export const ADMIN_AUTH_FLOW_ROUTES = [
  'GET /admin/login',
  'GET /admin/callback',
  'POST /admin/logout',
] as const;
const DEFAULT_RETURN = '/admin/v1/docs';

/** Only our own admin pages: never an open redirect. */
const safeReturn = (value: unknown): string =>
  typeof value === 'string' &&
  /^\/admin\/[A-Za-z0-9/_.?=&%-]*$/.test(value) &&
  !value.startsWith('//') &&
  value.length <= 500
    ? value
    : DEFAULT_RETURN;

@Controller('admin')
@UseFilters(AdminExceptionFilter)
export class AdminLoginController {
  constructor(
    @Inject(ADMIN_BROWSER_LOGIN) private readonly login: BrowserLogin | null,
    @Inject(ADMIN_BEARER_VERIFIER) private readonly verifier: unknown,
    @Inject(AdminCookies) private readonly cookies: AdminCookies,
    @Inject(AdminAuditLogUseCase) private readonly audit: AdminAuditLogUseCase,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  private configured(): BrowserLogin {
    if (!this.verifier || !this.login) throw new AdminNotConfiguredError();
    return this.login;
  }

  @Get('login')
  async start(@Query('return') returnTo: unknown, @Res() res: Response): Promise<void> {
    const started = await this.configured().start();
    this.cookies.writePending(res, {
      state: started.state,
      codeVerifier: started.codeVerifier,
      nonce: started.nonce,
      returnTo: safeReturn(returnTo),
    });
    res.setHeader('Cache-Control', 'no-store');
    res.redirect(303, started.url);
  }

  @Get('callback')
  async callback(@Req() req: CwRequest, @Res() res: Response): Promise<void> {
    const login = this.configured();
    const pending = this.cookies.readPending(req);
    this.cookies.clearPending(res);
    const correlationId = req.correlationId ?? '';
    try {
      if (!pending) throw new AuthenticationError('login_failed');
      const user = await login.finish(req.originalUrl, pending);
      this.cookies.writeSession(res, user);
      await this.audit.record({
        actor: { kind: 'admin', subjectHash: auditActor(user) },
        action: 'adminLogin',
        outcome: 'ok',
        correlationId,
        details: { roles: user.roles },
      });
      res.setHeader('Cache-Control', 'no-store');
      res.redirect(303, pending.returnTo);
    } catch (error) {
      if (error instanceof AuthenticationError) {
        this.logger.warn({ reason: error.reason, correlationId }, 'admin sign-in refused');
        await this.audit
          .record({
            actor: clientActor(req),
            action: 'adminLogin',
            outcome: 'denied',
            correlationId,
            details: { status: 401, reason: error.reason },
          })
          .catch((auditError: unknown) =>
            this.logger.error(
              { err: auditError },
              'audit row for a refused admin sign-in could not be written',
            ),
          );
      }
      throw error;
    }
  }

  @Post('logout')
  @HttpCode(303)
  logout(@Req() req: Request, @Res() res: Response): void {
    const session = this.cookies.readSession(req);
    if (session) {
      const body = req.body as Record<string, unknown> | undefined;
      if (!this.cookies.csrfValid(session, req.headers['x-csrf-token'] ?? body?._csrf)) throw new CsrfError();
    }
    this.cookies.clearSession(res);
    res.redirect(303, '/');
  }
}
