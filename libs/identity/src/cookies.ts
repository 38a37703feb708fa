/**
 * The browser cookies of the control plane and cerebro, in one place: one reader of the Cookie
 * header and one set of attributes for Express's own `res.cookie` (HttpOnly, SameSite=Lax, Path,
 * Secure unless local http dev). Values are URI-encoded by Express and decoded here.
 */

export interface BrowserCookieOptions {
  /** Secure attribute; off only for local http dev (localtest.me). */
  readonly secure: boolean;
  /** Lifetime; without it, a session cookie (gone when the browser closes). */
  readonly maxAgeMs?: number;
  /** @default '/' */
  readonly path?: string;
}

/** Options for `res.cookie(name, value, browserCookie(...))` (Express writes Max-Age in seconds and Expires). */
export const browserCookie = ({ secure, maxAgeMs, path = '/' }: BrowserCookieOptions) => ({
  httpOnly: true,
  sameSite: 'lax' as const,
  path,
  secure,
  ...(maxAgeMs !== undefined ? { maxAge: maxAgeMs } : {}),
});

/**
 * Options that delete the cookie: `res.cookie(name, '', expiredCookie(secure))` writes Max-Age=0
 * (Express 5's `res.clearCookie` writes only a past Expires, which some clients ignore).
 */
export const expiredCookie = (secure: boolean, path = '/') => browserCookie({ secure, maxAgeMs: 0, path });

/** The named cookie's decoded value from a Cookie header (`req.headers.cookie`), if present and well formed. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/**
 * `__Host-` binds a cookie to this exact host over HTTPS with Path=/ and no Domain. Browsers
 * refuse `__Host-` cookies without Secure, so local http dev (localtest.me) drops the prefix.
 */
export const cookieName = (base: string, secure: boolean): string => (secure ? `__Host-${base}` : base);
