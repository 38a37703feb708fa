/** Per-request facts the controllers pass to use cases: client IP, correlation id, session. */
import type { Request } from 'express';
import {
  decodeSession,
  SESSION_COOKIE,
  type RequestContext,
  type SessionPayload,
  type SigningKeys,
} from '@cw/control-plane';
import { readCookie } from '@cw/identity';

export interface CwRequest extends Request {
  correlationId?: string;
  rawBody?: Buffer;
}

export const contextOf = (req: Request): RequestContext => ({
  ip: req.ip ?? req.socket.remoteAddress ?? 'unknown',
  correlationId: (req as CwRequest).correlationId ?? '',
});

export const sessionOf = (req: Request, keys: SigningKeys): SessionPayload | undefined =>
  decodeSession(keys, readCookie(req.headers.cookie, SESSION_COOKIE));

/** A form post from a browser (as opposed to a JSON API call): decides HTML or JSON answers. */
export const isFormPost = (req: Request): boolean =>
  (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');

/** Answer with a page (browser) rather than JSON: asked for HTML, or a form post that did not ask for JSON. */
export function wantsHtml(req: Request): boolean {
  const accept = req.headers.accept ?? '';
  if (accept.includes('text/html')) return true;
  return isFormPost(req) && !accept.includes('application/json');
}
