/**
 * The customer's status: HTML page, JSON for polling, and a server-sent event stream that pushes
 * the page's live fragment whenever it changes (every 2 s check, heartbeat every 15 s, closed
 * once nothing moves any more).
 */
import {
  ArgumentsHost,
  Catch,
  Controller,
  Get,
  Inject,
  Query,
  Req,
  Res,
  UseFilters,
  type ExceptionFilter,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { NotAuthenticatedError, TenantStatusUseCase, type SessionPayload } from '@cw/control-plane';
import type { Logger } from '@cw/observability';
import { LOGGER } from '../core/tokens.js';
import { CsrfTokens } from '../http/csrf.js';
import { writeError } from '../http/global-exception.filter.js';
import { wantsHtml } from '../http/request-context.js';
import { Sessions } from '../http/session.js';
import { CHECKOUT_NOTICES, liveFragment, signInPage, statusPage } from './status.page.js';

const CHECK_MS = 2_000;
const HEARTBEAT_MS = 15_000;

@Catch(NotAuthenticatedError)
export class SignInFilter implements ExceptionFilter {
  constructor(
    @Inject(CsrfTokens) private readonly csrf: CsrfTokens,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  catch(error: NotAuthenticatedError, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<Request>();
    const res = host.switchToHttp().getResponse<Response>();
    if (!wantsHtml(req)) return writeError(req, res, error, this.logger);
    res
      .status(401)
      .type('html')
      .send(signInPage(this.csrf.issue(req, res)));
  }
}

@Controller()
@UseFilters(SignInFilter)
export class StatusController {
  constructor(
    @Inject(TenantStatusUseCase) private readonly status: TenantStatusUseCase,
    @Inject(Sessions) private readonly sessions: Sessions,
    @Inject(CsrfTokens) private readonly csrf: CsrfTokens,
  ) {}

  @Get('/status')
  async page(@Query('checkout') checkout: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    const view = await this.status.execute(this.sessions.read(req));
    res.setHeader('Cache-Control', 'no-store');
    res
      .type('html')
      .send(
        statusPage(
          view,
          this.csrf.issue(req, res),
          typeof checkout === 'string' ? CHECKOUT_NOTICES[checkout] : undefined,
        ),
      );
  }

  @Get('/api/status')
  json(@Req() req: Request) {
    return this.status.execute(this.sessions.read(req));
  }

  @Get('/status/events')
  async events(@Req() req: Request, @Res() res: Response): Promise<void> {
    const session = this.sessions.read(req);
    await this.status.execute(session); // refuses an unauthenticated stream before it opens
    this.stream(session, this.csrf.issue(req, res), req, res);
  }

  private stream(session: SessionPayload | undefined, csrfToken: string, req: Request, res: Response): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    let last = '';
    let closed = false;
    const stop = () => {
      closed = true;
      clearInterval(check);
      clearInterval(heartbeat);
      res.end();
    };
    const push = async () => {
      const view = await this.status.execute(session);
      const fragment = liveFragment(view, csrfToken).value;
      if (closed) return;
      if (fragment !== last)
        res.write(
          `event: status\ndata: ${JSON.stringify({ html: fragment, state: view.tenant.state, live: view.live })}\n\n`,
        );
      last = fragment;
      if (!view.live) {
        res.write('event: done\ndata: {}\n\n');
        stop();
      }
    };
    const tick = () => void push().catch(() => !closed && stop());
    const check = setInterval(tick, CHECK_MS);
    const heartbeat = setInterval(() => !closed && res.write(': heartbeat\n\n'), HEARTBEAT_MS);
    req.on('close', () => !closed && stop());
    tick();
  }
}
