/** Minimal cookie reading and writing (no cookie-parser: three cookies, one format). */
import type { Request, Response } from 'express';

export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
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

export interface CookieOptions {
  secure: boolean;
  maxAgeSeconds?: number;
}

/** HttpOnly, SameSite=Lax, Path=/ always; Secure unless local http dev. */
export function setCookie(res: Response, name: string, value: string, opts: CookieOptions): void {
  const parts = [`${name}=${encodeURIComponent(value)}`, 'Path=/', 'HttpOnly', 'SameSite=Lax'];
  if (opts.secure) parts.push('Secure');
  if (opts.maxAgeSeconds !== undefined) parts.push(`Max-Age=${opts.maxAgeSeconds}`);
  res.append('Set-Cookie', parts.join('; '));
}

export const clearCookie = (res: Response, name: string, secure: boolean): void =>
  setCookie(res, name, '', { secure, maxAgeSeconds: 0 });

/**
 * `__Host-` binds a cookie to this exact host over HTTPS with Path=/ and no Domain. Browsers
 * refuse `__Host-` cookies without Secure, so local http dev (localtest.me) drops the prefix.
 */
export const cookieName = (base: string, secure: boolean): string => (secure ? `__Host-${base}` : base);
