/** Checkout and Customer Portal (form posts from the status page, or JSON), and the Stripe webhook. */
import { Controller, Headers, HttpCode, Inject, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import {
  BillingDisabledError,
  OpenBillingPortalUseCase,
  StartCheckoutUseCase,
  StripeWebhookUseCase,
} from '@cw/control-plane';
import { CsrfGuard } from '../http/csrf.js';
import { contextOf, wantsHtml, type CwRequest } from '../http/request-context.js';
import { Sessions } from '../http/session.js';

const go = (req: Request, res: Response, url: string) =>
  wantsHtml(req) ? res.redirect(303, url) : res.json({ url });

@Controller()
export class BillingController {
  constructor(
    @Inject(StartCheckoutUseCase) private readonly checkout: StartCheckoutUseCase,
    @Inject(OpenBillingPortalUseCase) private readonly portal: OpenBillingPortalUseCase,
    @Inject(Sessions) private readonly sessions: Sessions,
  ) {}

  @Post('/billing/checkout')
  @UseGuards(CsrfGuard)
  async startCheckout(@Req() req: Request, @Res() res: Response): Promise<void> {
    go(req, res, (await this.checkout.execute(this.sessions.read(req), contextOf(req))).url);
  }

  @Post('/billing/portal')
  @UseGuards(CsrfGuard)
  async openPortal(@Req() req: Request, @Res() res: Response): Promise<void> {
    go(req, res, (await this.portal.execute(this.sessions.read(req))).url);
  }
}

@Controller()
export class StripeWebhookController {
  constructor(@Inject(StripeWebhookUseCase) private readonly webhook: StripeWebhookUseCase | null) {}

  /** Raw body (kept by the JSON parser) and signature go to the use case untouched. */
  @Post('/webhooks/stripe')
  @HttpCode(200)
  receive(@Req() req: CwRequest, @Headers('stripe-signature') signature: string | undefined) {
    if (!this.webhook) throw new BillingDisabledError();
    return this.webhook.execute(req.rawBody, signature);
  }
}
