/**
 * CSRF on every form. Signed in: the token is a random value kept in the session record.
 * Anonymous pages (sign-in, request access): a nonce cookie and HMAC(sessionKey, nonce) in the
 * form. Either way a cross-site form cannot know the token; SameSite=Lax is a second wall.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { CerebroDeps } from '../deps.js';
import { cookieName, readCookie, setCookie } from './cookies.js';
import { CsrfError } from './errors.js';

export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'x-csrf-token';

const anonToken = (key: Buffer, nonce: string) =>
  createHmac('sha256', key).update(`csrf:${nonce}`).digest('base64url');

/** The token for forms on an anonymous page; sets the nonce cookie when missing. */
export function anonymousCsrfToken(req: Request, res: Response, deps: CerebroDeps): string {
  const secure = !deps.config.session.insecureCookies;
  const name = cookieName('cw_csrf', secure);
  let nonce = readCookie(req, name);
  if (!nonce || nonce.length > 64) {
    nonce = randomBytes(18).toString('base64url');
    setCookie(res, name, nonce, { secure });
  }
  return anonToken(deps.sessionKey, nonce);
}

const same = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

export function submittedCsrf(req: Request): string | undefined {
  const header = req.headers[CSRF_HEADER];
  if (typeof header === 'string') return header;
  const body = req.body as Record<string, unknown> | undefined;
  const field = body && typeof body === 'object' ? body[CSRF_FIELD] : undefined;
  return typeof field === 'string' ? field : undefined;
}

/** Throws CsrfError unless the request carries the session's token (or the anonymous one). */
export function checkCsrf(req: Request, deps: CerebroDeps, sessionToken: string | undefined): void {
  const sent = submittedCsrf(req);
  if (!sent) throw new CsrfError();
  if (sessionToken && same(sent, sessionToken)) return;
  const nonce = readCookie(req, cookieName('cw_csrf', !deps.config.session.insecureCookies));
  if (nonce && same(sent, anonToken(deps.sessionKey, nonce))) return;
  throw new CsrfError();
}
