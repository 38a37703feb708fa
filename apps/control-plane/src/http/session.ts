/** Reading and writing the customer session cookie. */
import { Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { SESSION_COOKIE, SigningKeys, encodeSession, type SessionPayload } from '@cw/control-plane';
import { browserCookie } from '@cw/identity';
import { CONFIG } from '../core/tokens.js';
import type { ControlPlaneConfig } from '../config/config.js';
import { sessionOf } from './request-context.js';

@Injectable()
export class Sessions {
  constructor(
    @Inject(SigningKeys) private readonly keys: SigningKeys,
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
  ) {}

  read(req: Request): SessionPayload | undefined {
    return sessionOf(req, this.keys);
  }

  write(res: Response, session: SessionPayload): void {
    const ttl = this.config.session.ttlMs;
    res.cookie(
      SESSION_COOKIE,
      encodeSession(this.keys, session, ttl),
      browserCookie({ maxAgeMs: ttl, secure: this.config.session.secureCookies }),
    );
  }
}
