/**
 * The admin browser session: the SessionUser from the OIDC login, sealed (AES-256-GCM: private
 * and tamper-proof) in an HttpOnly cookie scoped to /admin, with its own key derived from
 * SESSION_SECRET — a customer's session cookie can never pass as an admin one. The pending login
 * (state, PKCE verifier, nonce) travels the same way for the ten minutes of a sign-in.
 * CSRF: state-changing calls made with the cookie carry HMAC(session id), which a cross-site page
 * cannot compute.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import type { Request, Response } from 'express';
import { browserCookie, isRole, readCookie, type PendingLogin, type SessionUser } from '@cw/identity';

export const ADMIN_SESSION_COOKIE = 'cw_admin_session';
export const ADMIN_LOGIN_COOKIE = 'cw_admin_login';
export const LOGIN_TTL_MS = 10 * 60_000;

export interface AdminSession {
  user: SessionUser;
  /** Random id: CSRF tokens are bound to it. */
  sid: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

export interface AdminPendingLogin extends PendingLogin {
  /** Where to go after the sign-in (an /admin path). */
  returnTo: string;
  exp: number;
}

export class AdminCookies {
  private readonly sealKey: Buffer;
  private readonly csrfKey: Buffer;

  constructor(
    sessionSecret: string,
    private readonly ttlMs: number,
    private readonly secure: boolean,
  ) {
    this.sealKey = Buffer.from(
      hkdfSync('sha256', sessionSecret, 'cw-control-plane', 'cw admin-cookie v1', 32),
    );
    this.csrfKey = Buffer.from(hkdfSync('sha256', sessionSecret, 'cw-control-plane', 'cw admin-csrf v1', 32));
  }

  readSession(req: Request, now = Date.now()): AdminSession | undefined {
    const session = this.open<AdminSession>(readCookie(req.headers.cookie, ADMIN_SESSION_COOKIE), now);
    const user = session?.user;
    if (
      !session ||
      typeof session.sid !== 'string' ||
      !user ||
      user.authenticated !== true ||
      user.source !== 'oidc'
    )
      return undefined;
    if (typeof user.email !== 'string' || !Array.isArray(user.roles) || !user.roles.every(isRole))
      return undefined;
    return session;
  }

  writeSession(res: Response, user: SessionUser, now = Date.now()): AdminSession {
    const session: AdminSession = {
      user,
      sid: randomBytes(16).toString('base64url'),
      exp: Math.floor((now + this.ttlMs) / 1000),
    };
    this.set(res, ADMIN_SESSION_COOKIE, this.seal(session), this.ttlMs);
    return session;
  }

  clearSession(res: Response): void {
    this.set(res, ADMIN_SESSION_COOKIE, '', 0);
  }

  readPending(req: Request, now = Date.now()): AdminPendingLogin | undefined {
    return this.open<AdminPendingLogin>(readCookie(req.headers.cookie, ADMIN_LOGIN_COOKIE), now);
  }

  writePending(res: Response, pending: Omit<AdminPendingLogin, 'exp'>, now = Date.now()): void {
    this.set(
      res,
      ADMIN_LOGIN_COOKIE,
      this.seal({ ...pending, exp: Math.floor((now + LOGIN_TTL_MS) / 1000) }),
      LOGIN_TTL_MS,
    );
  }

  clearPending(res: Response): void {
    this.set(res, ADMIN_LOGIN_COOKIE, '', 0);
  }

  csrfToken(session: AdminSession): string {
    return createHmac('sha256', this.csrfKey).update(`csrf:${session.sid}`).digest('base64url');
  }

  csrfValid(session: AdminSession, token: unknown): boolean {
    if (typeof token !== 'string' || token.length > 200) return false;
    const expected = Buffer.from(this.csrfToken(session));
    const given = Buffer.from(token);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  private seal(value: object): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.sealKey, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  private open<T extends { exp: number }>(value: string | undefined, now: number): T | undefined {
    if (!value || value.length > 8192) return undefined;
    try {
      const raw = Buffer.from(value, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', this.sealKey, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      const parsed = JSON.parse(
        Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8'),
      ) as T;
      return typeof parsed.exp === 'number' && parsed.exp * 1000 > now ? parsed : undefined;
    } catch {
      return undefined; // forged, truncated, or sealed with another secret
    }
  }

  private set(res: Response, name: string, value: string, maxAgeMs: number): void {
    // Lax, not Strict: the IdP's redirect back to /admin/callback is a cross-site navigation.
    res.cookie(name, value, browserCookie({ secure: this.secure, maxAgeMs, path: '/admin' }));
  }
}
