/** Checkout and Customer Portal (form posts from the status page, or JSON), and the Stripe webhook. */
import { Controller, Headers, HttpCode, Inject, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import {
  BillingDisabledError,
  OpenBillingPortalUseCase,
  StartCheckoutUseCase,
  StripeWebhookUseCase,
} from '@cw/control-plane';
import { createOnboardingRecorder, type OnboardingRecorder } from '@cw/observability';
import { CsrfGuard } from '../http/csrf.js';
import { MetricsService } from '../metrics/metrics.service.js';
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
  private readonly onboarding: OnboardingRecorder;

  constructor(
    @Inject(StripeWebhookUseCase) private readonly webhook: StripeWebhookUseCase | null,
    @Inject(MetricsService) metrics: MetricsService,
  ) {
    this.onboarding = createOnboardingRecorder({ registry: metrics.registry });
  }

  /** Raw body (kept by the JSON parser) and signature go to the use case untouched. */
  @Post('/webhooks/stripe')
  @HttpCode(200)
  async receive(@Req() req: CwRequest, @Headers('stripe-signature') signature: string | undefined) {
    if (!this.webhook) throw new BillingDisabledError();
    const received = Date.now();
    const result = await this.webhook.execute(req.rawBody, signature);
    // Onboarding stage 1 (issue 22): receipt of the verified checkout → run queued, on the
    // tenant's correlation id (the checkout session's metadata, set by StartCheckoutUseCase).
    if (result.type === 'checkout.session.completed' && !result.duplicateDelivery) {
      const correlationId = checkoutCorrelationId(req.rawBody);
      if (correlationId)
        this.onboarding.stage('checkout_completed', { correlationId, start: received, end: Date.now() });
    }
    return result;
  }
}

/** The correlation id in a verified checkout.session.completed body (already checked by the use case). */
function checkoutCorrelationId(raw: Buffer | undefined): string | undefined {
  try {
    const event = JSON.parse(raw?.toString('utf8') ?? '') as {
      data?: { object?: { metadata?: { correlationId?: unknown } } };
    };
    const id = event.data?.object?.metadata?.correlationId;
    return typeof id === 'string' && id.length <= 200 ? id : undefined;
  } catch {
    return undefined;
  }
}
