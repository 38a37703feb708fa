/**
 * Builds the cerebro HTTP app from its deps: middleware, the route table with its one guard
 * (session → role → CSRF), the AI hub's routes, and the one error handler that maps domain errors.
 * Framework: Express 5 without Nest (docs/adr/0002-cerebro-framework.md).
 */
import { randomUUID } from 'node:crypto';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { withCorrelationId } from '@cw/observability';
import type { CerebroDeps } from './deps.js';
import { audit } from './audit/audit.js';
import { cookieName, readCookie } from './http/cookies.js';
import { anonymousCsrfToken, checkCsrf } from './http/csrf.js';
import { CsrfError, NotSignedInError, ForbiddenError, statusOf, RateLimitedError } from './http/errors.js';
import { allows, asyncHandler, RouteTable, type RouteSpec } from './http/route-table.js';
import { requestState, toSession } from './http/session.js';
import { createHttpMetrics } from './ops/http-metrics.js';
import { opsRoutes } from './ops/ops.routes.js';
import { createServices, type Services } from './services.js';
import { identityRoutes } from './identity/identity.routes.js';
import { homeRoutes } from './home.page.js';
import { groupRoutes } from './groups/groups.routes.js';
import { credentialRoutes } from './credentials/credentials.routes.js';
import { adminRoutes } from './admin/admin.routes.js';
import { registerToolPins } from './admin/tool-pins.routes.js';
import { NAV, messagePage, setSiteName } from './views/layout.js';
import { html } from './views/html.js';
import type { HubHost } from './hub-host.js';
import { registerHub } from './hub/index.js';
import { registerKnowledge } from './knowledge/knowledge.routes.js';
import { registerOAuth } from './oauth/index.js';

export interface CerebroApp {
  readonly express: Express;
  readonly routes: RouteTable;
  readonly services: Services;
  close(): Promise<void>;
}

export const SESSION_COOKIE = 'cw_session';

export async function createCerebroApp(deps: CerebroDeps): Promise<CerebroApp> {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback, uniquelocal');
  setSiteName(deps.config.displayName);
  const services = createServices(deps);
  const routes = new RouteTable();
  const closers: Array<() => Promise<void> | void> = [];
  const httpMetrics = createHttpMetrics(deps.metrics);
  const secure = !deps.config.session.insecureCookies;

  app.use((req, res, next) => {
    const correlationId = randomUUID();
    res.setHeader('x-correlation-id', correlationId);
    // Sign-in links carry a token in the URL: never send it on as a Referer.
    res.setHeader('referrer-policy', 'no-referrer');
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('x-frame-options', 'DENY');
    res.setHeader(
      'content-security-policy',
      "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self' https: http://127.0.0.1:* http://localhost:*; base-uri 'none'",
    );
    withCorrelationId(correlationId, () => next());
  });
  app.use(express.urlencoded({ extended: false, limit: '64kb' }));
  app.use(express.json({ limit: '256kb' }));
  // Session lookup for every request: public pages know who is signed in, too.
  app.use(
    asyncHandler(async (req: Request, res: Response, next: NextFunction) => {
      const state = requestState(req);
      const started = performance.now();
      const found = await services.sessions.lookup(readCookie(req, cookieName(SESSION_COOKIE, secure)));
      httpMetrics.sessionLookup.observe((performance.now() - started) / 1000);
      // Switching provider access off ends support sessions at their next request.
      const lapsed = found?.record.source === 'provider' && !(await services.providerAccess.activeGrant());
      if (found && lapsed) await services.sessions.revoke(found);
      if (found && !lapsed) {
        state.session = toSession(found.record);
        state.userId = found.record.userId;
        state.sessionRef = { partition: found.partition, id: found.id };
        state.csrfToken = found.record.csrf;
        state.sessionCsrf = found.record.csrf;
      } else if (req.method === 'GET' || req.method === 'HEAD') {
        state.csrfToken = anonymousCsrfToken(req, res, deps);
      }
      next();
    }),
  );

  const host: HubHost = {
    routes,
    nav: NAV,
    sessions: services.sessions,
    express: app,
    onClose: (fn) => closers.push(fn),
  };
  routes.add(...opsRoutes(deps), ...identityRoutes(deps, services), ...homeRoutes(deps, services));
  routes.add(
    ...groupRoutes(deps, services),
    ...credentialRoutes(deps, services),
    ...adminRoutes(deps, services),
  );
  const hub = await registerHub(host, deps);
  registerToolPins(host, hub);
  registerKnowledge(host, deps, services, hub.knowledge);
  await registerOAuth(host, deps, services, hub.mint);

  for (const spec of routes.routes) {
    const method = spec.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
    app[method](spec.path, httpMetrics.observe(spec), guard(spec, deps), asyncHandler(spec.handler));
  }
  app.use((req, res) => messagePage(req, res, 'Page not found', ['There is no page at this address.'], 404));
  app.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    void next;
    handleError(error, req, res, deps);
  });
  return {
    express: app,
    routes,
    services,
    async close() {
      for (const fn of closers) await fn();
    },
  };
}

/** The one guard: session → role → CSRF (non-GET) → provider-access audit. */
function guard(spec: RouteSpec, deps: CerebroDeps) {
  return asyncHandler(async (req: Request, res: Response, next: NextFunction) => {
    const state = requestState(req);
    if (spec.access !== 'public' && !state.session) {
      if (req.method === 'GET') {
        res.redirect(303, `/sign-in?next=${encodeURIComponent(req.originalUrl)}`);
        return;
      }
      throw new NotSignedInError();
    }
    if (!allows(spec.access, state.session?.roles)) {
      throw new ForbiddenError(`This page needs the "${spec.access}" role or higher.`);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD' && spec.csrf !== false) {
      checkCsrf(req, deps, state.sessionCsrf);
    }
    if (state.session?.source === 'provider') {
      await audit(deps, {
        action: 'provider.request',
        actor: state.userId,
        source: 'provider',
        outcome: 'ok',
        target: `${spec.method} ${spec.path}`,
        providerAccess: true,
      });
    }
    next();
  });
}

function handleError(error: unknown, req: Request, res: Response, deps: CerebroDeps): void {
  const status = statusOf(error);
  if (status >= 500)
    deps.logger.error(
      { err: error, path: req.route ? String((req.route as { path: unknown }).path) : undefined },
      'request failed',
    );
  if (error instanceof RateLimitedError) res.setHeader('retry-after', String(error.retryAfterSeconds));
  if (res.headersSent) {
    res.end();
    return;
  }
  const message =
    status >= 500 ? 'Something went wrong on our side. Try again in a moment.' : (error as Error).message;
  const wantsJson =
    req.headers.accept?.includes('application/json') && !req.headers.accept.includes('text/html');
  if (wantsJson) {
    res.status(status).json({ error: message });
    return;
  }
  const title =
    status === 401
      ? 'Please sign in'
      : status === 403
        ? error instanceof CsrfError
          ? 'Form expired'
          : 'Not allowed'
        : status >= 500
          ? 'Error'
          : 'Cannot do that';
  messagePage(req, res, title, [message, status === 401 ? html`<a href="/sign-in">Sign in</a>` : ''], status);
}
