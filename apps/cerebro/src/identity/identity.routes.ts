/** Sign-in pages of the three planes, request access, sign-out. */
import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import type { CerebroDeps } from '../deps.js';
import { SESSION_COOKIE } from '../app.factory.js';
import { clearCookie, cookieName, readCookie, setCookie } from '../http/cookies.js';
import type { RouteSpec } from '../http/route-table.js';
import { requestState } from '../http/session.js';
import { html } from '../views/html.js';
import { messagePage, postForm, sendPage } from '../views/layout.js';
import type { Services } from '../services.js';
import { PENDING_LOGINS, PENDING_LOGINS_PARTITION } from '../store/collections.js';
import { SignInRefused, type OidcPlane } from './oidc.plane.js';
import { refusalPage } from './refusal.page.js';

const LOGIN_COOKIE = 'cw_login';

const NO_ORIGIN = 'http://cerebro.invalid';

/**
 * Only same-origin paths after sign-in (no open redirect): a relative path starting with one `/`,
 * URL characters only (no backslash, space or control character), no `//` anywhere, no scheme,
 * and resolving to the same origin. Anything else is `/`.
 */
export const safeNext = (value: unknown): string => {
  if (typeof value !== 'string' || value.length >= 500) return '/';
  if (!/^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/?#]*$/.test(value) || value.includes('//')) return '/';
  try {
    return new URL(value, NO_ORIGIN).origin === NO_ORIGIN ? value : '/';
  } catch {
    return '/';
  }
};

const clientIp = (req: Request): string => req.ip ?? req.socket.remoteAddress ?? 'unknown';

export function identityRoutes(deps: CerebroDeps, s: Services): RouteSpec[] {
  const secure = !deps.config.session.insecureCookies;
  const idp = deps.config.identity.mode === 'oidc';
  const magic = deps.config.magicLink.enabled;

  const startSession = (res: Response, cookie: string) =>
    setCookie(res, cookieName(SESSION_COOKIE, secure), cookie, {
      secure,
      maxAgeSeconds: deps.config.session.ttlSeconds,
    });

  const startOidc =
    (plane: OidcPlane | undefined, which: 'oidc' | 'provider') => async (req: Request, res: Response) => {
      if (!plane)
        return messagePage(req, res, 'Not available', ['This way of signing in is not configured.'], 404);
      const { url, pending } = await plane.start();
      const loginId = randomBytes(24).toString('base64url');
      await deps.store
        .collection(PENDING_LOGINS)
        .create(
          PENDING_LOGINS_PARTITION,
          loginId,
          { plane: which, ...pending, next: safeNext(req.query.next) },
          { ttlSeconds: 600 },
        );
      setCookie(res, cookieName(LOGIN_COOKIE, secure), loginId, { secure, maxAgeSeconds: 600 });
      res.redirect(303, url);
    };

  const finishOidc =
    (plane: OidcPlane | undefined, which: 'oidc' | 'provider') => async (req: Request, res: Response) => {
      const source = which === 'oidc' ? 'oidc' : 'provider';
      if (!plane)
        return messagePage(req, res, 'Not available', ['This way of signing in is not configured.'], 404);
      const loginId = readCookie(req, cookieName(LOGIN_COOKIE, secure));
      clearCookie(res, cookieName(LOGIN_COOKIE, secure), secure);
      const pending = loginId
        ? await deps.store.collection(PENDING_LOGINS).get(PENDING_LOGINS_PARTITION, loginId)
        : undefined;
      if (pending) await deps.store.collection(PENDING_LOGINS).delete(PENDING_LOGINS_PARTITION, pending.id);
      try {
        if (!pending || pending.value.plane !== which) throw new SignInRefused('login_failed');
        const query = req.originalUrl.includes('?')
          ? req.originalUrl.slice(req.originalUrl.indexOf('?'))
          : '';
        const principal = await plane.finish(query, pending.value);
        const email = (principal.email ?? principal.subject).toLowerCase();
        const displayName = principal.displayName ?? email;
        const cookie =
          which === 'oidc'
            ? await s.signIn.establish(await s.idpUser(email, displayName, principal.roles, principal.groups))
            : await s.signIn.establish(await s.providerPerson(email, displayName));
        startSession(res, cookie);
        res.redirect(303, pending.value.next);
      } catch (error) {
        if (!(error instanceof SignInRefused)) throw error;
        await s.signIn.refused(source, error.reason);
        refusalPage(req, res, error.reason, which);
      }
    };

  return [
    {
      method: 'GET',
      path: '/sign-in',
      access: 'public',
      handler: (req, res) => {
        const next = safeNext(req.query.next);
        const nextField = next !== '/' ? html`<input type="hidden" name="next" value="${next}" />` : '';
        sendPage(req, res, {
          title: 'Sign in',
          body: html`<h1>Sign in to ${deps.config.displayName}</h1>
            ${idp ? html`<p><a class="button" href="/sign-in/idp?next=${encodeURIComponent(next)}">Sign in with your organisation account</a></p>` : ''}
            ${
              magic
                ? html`<h2>${idp ? 'No organisation account?' : 'Sign in by e-mail'}</h2>
                  ${postForm(
                    req,
                    '/sign-in/email',
                    html`${nextField}<label for="email">E-mail address</label>
                      <input id="email" name="email" type="email" autocomplete="email" required value="${typeof req.query.email === 'string' ? req.query.email : ''}" />
                      <p class="hint">We e-mail you a link that signs you in. It works once, for ${Math.round(deps.config.magicLink.ttlSeconds / 60)} minutes.</p>
                      <button type="submit">E-mail me a sign-in link</button>`,
                  )}
                  <p>New here? <a href="/request-access">Request access</a></p>`
                : ''
            }
            ${deps.config.providerSupport ? html`<p class="hint"><a href="/provider/sign-in">Provider support staff</a></p>` : ''}`,
        });
      },
    },
    {
      method: 'POST',
      path: '/sign-in/email',
      access: 'public',
      handler: async (req, res) => {
        if (!magic)
          return messagePage(req, res, 'Not available', ['Sign-in by e-mail is switched off.'], 404);
        const body = req.body as Record<string, unknown>;
        await s.magicLinks.request(body.email, clientIp(req), safeNext(body.next));
        messagePage(req, res, 'Check your e-mail', [
          'If this address has access, a sign-in link is on its way. It works once and expires soon.',
          html`Not approved yet? <a href="/request-access">Request access</a>.`,
        ]);
      },
    },
    {
      method: 'GET',
      path: '/sign-in/link',
      access: 'public',
      // A confirm page: mail scanners that open links must not use the link up.
      handler: (req, res) => {
        const token = typeof req.query.token === 'string' ? req.query.token : '';
        const next = safeNext(req.query.next);
        sendPage(req, res, {
          title: 'Confirm sign-in',
          body: html`<h1>Sign in to ${deps.config.displayName}</h1>
            ${postForm(
              req,
              '/sign-in/link',
              html`<input type="hidden" name="token" value="${token}" />${next !== '/' ? html`<input type="hidden" name="next" value="${next}" />` : ''}<button type="submit">Sign me in</button>`,
            )}`,
        });
      },
    },
    {
      method: 'POST',
      path: '/sign-in/link',
      access: 'public',
      handler: async (req, res) => {
        s.magicLinks.checkLinkRate(clientIp(req));
        const result = await s.magicLinks.consume((req.body as Record<string, unknown>).token);
        if (!result.ok) {
          await s.signIn.refused('magic_link', result.reason);
          return refusalPage(req, res, result.reason, 'magic_link');
        }
        const u = result.user;
        const cookie = await s.signIn.establish({
          userId: u.userId,
          email: u.email,
          displayName: u.displayName,
          roles: u.roles,
          idpGroups: [],
          source: 'magic_link',
        });
        await s.users.save({ ...u, lastSignInAt: deps.now().toISOString() });
        startSession(res, cookie);
        res.redirect(303, safeNext((req.body as Record<string, unknown>).next));
      },
    },
    {
      method: 'GET',
      path: '/request-access',
      access: 'public',
      handler: (req, res) =>
        sendPage(req, res, {
          title: 'Request access',
          body: html`<h1>Request access</h1>
            <p>A manager of ${deps.config.displayName} reviews your request. You get an e-mail when it is approved.</p>
            ${postForm(
              req,
              '/request-access',
              html`<label for="name">Your name</label><input id="name" name="name" type="text" autocomplete="name" required maxlength="100" />
                <label for="email">E-mail address</label><input id="email" name="email" type="email" autocomplete="email" required />
                <label for="company">Company <span class="hint">(optional)</span></label><input id="company" name="company" type="text" autocomplete="organization" maxlength="100" />
                <button type="submit">Request access</button>`,
            )}`,
        }),
    },
    {
      method: 'POST',
      path: '/request-access',
      access: 'public',
      handler: async (req, res) => {
        const body = req.body as Record<string, unknown>;
        s.magicLinks.checkRate(`request:${String(body.email ?? '').toLowerCase()}`, clientIp(req));
        await s.users.requestAccess({ name: body.name, email: body.email, company: body.company });
        messagePage(req, res, 'Request received', [
          'Thank you. A manager will review your request; you will get an e-mail with a sign-in link once it is approved.',
        ]);
      },
    },
    { method: 'GET', path: '/sign-in/idp', access: 'public', handler: startOidc(s.customerIdp, 'oidc') },
    { method: 'GET', path: '/auth/callback', access: 'public', handler: finishOidc(s.customerIdp, 'oidc') },
    {
      method: 'GET',
      path: '/provider/sign-in',
      access: 'public',
      handler: startOidc(s.providerIdp, 'provider'),
    },
    {
      method: 'GET',
      path: '/provider/callback',
      access: 'public',
      handler: finishOidc(s.providerIdp, 'provider'),
    },
    {
      method: 'POST',
      path: '/sign-out',
      access: 'signed-in',
      handler: async (req, res) => {
        const ref = requestState(req).sessionRef;
        if (ref) await s.sessions.revoke(ref);
        clearCookie(res, cookieName(SESSION_COOKIE, secure), secure);
        res.redirect(303, '/sign-in');
      },
    },
    {
      method: 'POST',
      path: '/sign-out/everywhere',
      access: 'signed-in',
      handler: async (req, res) => {
        const userId = requestState(req).userId as string;
        await s.users.signOutEverywhere(userId, userId);
        clearCookie(res, cookieName(SESSION_COOKIE, secure), secure);
        res.redirect(303, '/sign-in');
      },
    },
  ];
}
