/**
 * Cerebro's cookies over the shared helper (@cw/identity cookies.ts) and Express's own
 * `res.cookie`: HttpOnly, SameSite=Lax, Path=/ always; Secure unless local http dev.
 */
import type { Request, Response } from 'express';
import { browserCookie, cookieName, expiredCookie, readCookie as readFromHeader } from '@cw/identity';

export { cookieName };

export const readCookie = (req: Request, name: string): string | undefined =>
  readFromHeader(req.headers.cookie, name);

export interface CookieOptions {
  secure: boolean;
  maxAgeSeconds?: number;
}

export function setCookie(res: Response, name: string, value: string, opts: CookieOptions): void {
  const maxAgeMs = opts.maxAgeSeconds === undefined ? undefined : opts.maxAgeSeconds * 1000;
  res.cookie(
    name,
    value,
    browserCookie({ secure: opts.secure, ...(maxAgeMs === undefined ? {} : { maxAgeMs }) }),
  );
}

export const clearCookie = (res: Response, name: string, secure: boolean): void => {
  res.cookie(name, '', expiredCookie(secure));
};
