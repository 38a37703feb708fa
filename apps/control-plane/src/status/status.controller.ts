/**
 * The customer's status: HTML page, JSON for polling, and a server-sent event stream that pushes
 * the page's live fragment whenever it changes. Changes are pushed by the database (LISTEN/NOTIFY,
 * libs/db status-feed.ts): an open page costs no query while nothing changes and one per change;
 * a slow safety re-read covers a notification lost in a reconnect. Heartbeat every 15 s; closed
 * once nothing moves any more. Streams are capped per signed-in person and per client address.
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
import {
  NotAuthenticatedError,
  RateLimitedError,
  TenantStatusUseCase,
  type SessionPayload,
  type TenantStatusView,
} from '@cw/control-plane';
import { Database } from '@cw/db';
import { hashId, type Logger } from '@cw/observability';
import type { ControlPlaneConfig } from '../config/config.js';
import { CONFIG, LOGGER } from '../core/tokens.js';
import { CsrfTokens } from '../http/csrf.js';
import { writeError } from '../http/global-exception.filter.js';
import { wantsHtml } from '../http/request-context.js';
import { Sessions } from '../http/session.js';
import { CHECKOUT_NOTICES, liveFragment, signInPage, statusPage } from './status.page.js';

/** Re-read even without a notification this often (a notification lost while reconnecting). */
const SAFETY_CHECK_MS = 60_000;
/** Changes within this window are one push (a step finishing writes several rows). */
const COALESCE_MS = 100;
const HEARTBEAT_MS = 15_000;

/** Open streams per key (hashed person, client address) in this process. */
class StreamCounts {
  private readonly open = new Map<string, number>();
  count(key: string): number {
    return this.open.get(key) ?? 0;
  }
  add(key: string, delta: 1 | -1): void {
    const next = this.count(key) + delta;
    if (next <= 0) this.open.delete(key);
    else this.open.set(key, next);
  }
}

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
    @Inject(Database) private readonly db: Database,
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
  ) {}

  private readonly streams = new StreamCounts();

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
    const view = await this.status.execute(session); // refuses an unauthenticated stream before it opens
    const keys = [`session:${hashId(session!.email)}`, `ip:${req.ip ?? 'unknown'}`];
    const { perSession, perIp } = this.config.statusStreams;
    if (this.streams.count(keys[0]!) >= perSession || this.streams.count(keys[1]!) >= perIp)
      throw new RateLimitedError('open status pages', Math.ceil(HEARTBEAT_MS / 1000));
    for (const key of keys) this.streams.add(key, 1);
    this.stream(session, view, this.csrf.issue(req, res), req, res, () => {
      for (const key of keys) this.streams.add(key, -1);
    });
  }

  private stream(
    session: SessionPayload | undefined,
    initial: TenantStatusView,
    csrfToken: string,
    req: Request,
    res: Response,
    release: () => void,
  ): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    let last = '';
    let closed = false;
    let pending: NodeJS.Timeout | undefined;
    const stop = () => {
      if (closed) return;
      closed = true;
      unsubscribe();
      clearTimeout(pending);
      clearInterval(safety);
      clearInterval(heartbeat);
      release();
      res.end();
    };
    const show = (view: TenantStatusView) => {
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
    const reread = () => {
      pending = undefined;
      if (!closed) void this.status.execute(session, initial.tenant.id).then(show, stop);
    };
    const changed = () => {
      if (!closed && !pending) pending = setTimeout(reread, COALESCE_MS);
    };
    const unsubscribe = this.db.statusFeed.subscribe(initial.tenant.id, changed);
    const safety = setInterval(changed, SAFETY_CHECK_MS);
    const heartbeat = setInterval(() => !closed && res.write(': heartbeat\n\n'), HEARTBEAT_MS);
    req.on('close', stop);
    show(initial);
  }
}
