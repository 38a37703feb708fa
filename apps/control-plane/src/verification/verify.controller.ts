/**
 * GET /verify shows a confirm button for a valid link (or a page saying why it is not);
 * POST /verify uses the link up, sets the session cookie and sends the customer on: to Stripe
 * Checkout when billing is on, else to the status page.
 */
import {
  ArgumentsHost,
  Body,
  Catch,
  Controller,
  Get,
  Inject,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
  UseGuards,
  type ExceptionFilter,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { InvalidTokenError, StartCheckoutUseCase, VerifyEmailUseCase } from '@cw/control-plane';
import type { Logger } from '@cw/observability';
import { LOGGER } from '../core/tokens.js';
import { CsrfGuard, CsrfTokens } from '../http/csrf.js';
import { mapError, writeError } from '../http/global-exception.filter.js';
import { contextOf, wantsHtml } from '../http/request-context.js';
import { Sessions } from '../http/session.js';
import { confirmPage, invalidLinkPage } from './verify.page.js';

@Catch(InvalidTokenError)
export class InvalidLinkFilter implements ExceptionFilter {
  constructor(
    @Inject(CsrfTokens) private readonly csrf: CsrfTokens,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  catch(error: InvalidTokenError, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<Request>();
    const res = host.switchToHttp().getResponse<Response>();
    if (!wantsHtml(req)) return writeError(req, res, error, this.logger);
    res
      .status(mapError(error)!.status)
      .type('html')
      .send(invalidLinkPage(error.reason, this.csrf.issue(req, res)));
  }
}

@Controller()
@UseFilters(InvalidLinkFilter)
export class VerifyController {
  constructor(
    @Inject(VerifyEmailUseCase) private readonly verify: VerifyEmailUseCase,
    @Inject(StartCheckoutUseCase) private readonly checkout: StartCheckoutUseCase,
    @Inject(Sessions) private readonly sessions: Sessions,
    @Inject(CsrfTokens) private readonly csrf: CsrfTokens,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Get('/verify')
  async show(@Query('token') token: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.verify.inspect(token);
    res.type('html').send(confirmPage(String(token), this.csrf.issue(req, res)));
  }

  @Post('/verify')
  @UseGuards(CsrfGuard)
  async confirm(
    @Body() body: Record<string, unknown> | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const result = await this.verify.execute(body?.token, contextOf(req));
    this.sessions.write(res, result.session);
    const next = result.next === 'checkout' ? await this.checkoutUrl(result.session, req) : '/status';
    if (wantsHtml(req)) return res.redirect(303, next);
    res.json({ tenantId: result.tenant.id, state: result.tenant.state, next: result.next, url: next });
  }

  /** Stripe may be unreachable right now: the status page offers the checkout again. */
  private async checkoutUrl(
    session: Parameters<StartCheckoutUseCase['execute']>[0],
    req: Request,
  ): Promise<string> {
    try {
      return (await this.checkout.execute(session, contextOf(req))).url;
    } catch (error) {
      this.logger.warn({ err: error }, 'checkout could not be started after verification');
      return '/status?checkout=unavailable';
    }
  }
}
