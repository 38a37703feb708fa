/**
 * CSRF: pages get a nonce cookie and embed the matching token; every state-changing POST except
 * the Stripe webhook must send it back (`_csrf` form field or `X-CSRF-Token` header).
 */
import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request, Response } from 'express';
import {
  CSRF_COOKIE,
  CSRF_FIELD,
  CSRF_HEADER,
  CsrfError,
  SigningKeys,
  csrfTokenFor,
  csrfValid,
  newCsrfNonce,
} from '@cw/control-plane';
import { CONFIG } from '../core/tokens.js';
import type { ControlPlaneConfig } from '../config/config.js';
import { browserCookie, readCookie } from '@cw/identity';

/** The token to embed in this response's forms, setting the nonce cookie when there is none. */
export function csrfTokenForRequest(req: Request, res: Response, keys: SigningKeys, secure: boolean): string {
  let nonce = readCookie(req.headers.cookie, CSRF_COOKIE);
  if (!nonce || nonce.length > 100) {
    nonce = newCsrfNonce();
    res.cookie(CSRF_COOKIE, nonce, browserCookie({ secure }));
  }
  return csrfTokenFor(keys, nonce);
}

@Injectable()
export class CsrfGuard implements CanActivate {
  constructor(@Inject(SigningKeys) private readonly keys: SigningKeys) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    const body = req.body as Record<string, unknown> | undefined;
    const token =
      req.headers[CSRF_HEADER] ?? (body && typeof body === 'object' ? body[CSRF_FIELD] : undefined);
    if (!csrfValid(this.keys, readCookie(req.headers.cookie, CSRF_COOKIE), token)) throw new CsrfError();
    return true;
  }
}

/** For controllers that render forms. */
@Injectable()
export class CsrfTokens {
  constructor(
    @Inject(SigningKeys) private readonly keys: SigningKeys,
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
  ) {}

  issue(req: Request, res: Response): string {
    return csrfTokenForRequest(req, res, this.keys, this.config.session.secureCookies);
  }
}
