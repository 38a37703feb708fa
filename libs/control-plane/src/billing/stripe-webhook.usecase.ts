/**
 * POST /webhooks/stripe. The signature is verified over the raw body first (a bad one is
 * rejected and stored nowhere); then the event is stored by id before anything acts on it; then
 * it is processed in one transaction holding the event row lock, so however many times and in
 * whatever order Stripe delivers, each event takes effect once. A processing error leaves the
 * event unprocessed and answers 500, so Stripe delivers it again.
 */
import type { Database, StripeEventOutcome } from '@cw/db';
import type { ControlPlaneMetrics, Logger } from '../ports.js';
import type { TransitionTenantUseCase } from '../lifecycle/transition-tenant.usecase.js';
import { assertEventShape } from './stripe-event-shape.js';
import { handleStripeEvent, type BillingPolicy, type HandlerResult } from './stripe-event-handlers.js';
import type { Stripe, StripeGateway } from './stripe.gateway.js';

export interface WebhookResult {
  eventId: string;
  type: string;
  outcome: StripeEventOutcome;
  /** True when this delivery found the event already processed. */
  duplicateDelivery: boolean;
}

export class StripeWebhookUseCase {
  constructor(
    private readonly db: Database,
    private readonly gateway: StripeGateway,
    private readonly transitions: TransitionTenantUseCase,
    private readonly policy: BillingPolicy,
    private readonly metrics: ControlPlaneMetrics,
    private readonly logger: Logger,
  ) {}

  async execute(
    rawBody: Buffer | undefined,
    signature: string | string[] | undefined,
  ): Promise<WebhookResult> {
    const event = this.gateway.verifyWebhook(rawBody ?? Buffer.alloc(0), signature);
    assertEventShape(event);
    const { record } = await this.db.stripeEvents.recordReceived({
      id: event.id,
      type: event.type,
      created: event.created,
      livemode: event.livemode,
      payload: event as unknown as Record<string, unknown>,
    });
    if (record.processedAt && record.outcome) return this.done(event, record.outcome, true);

    let handled: HandlerResult & { duplicateDelivery: boolean };
    try {
      handled = await this.db.transaction(async (tx) => {
        const locked = await tx.stripeEvents.findForUpdate(event.id);
        if (locked?.processedAt && locked.outcome)
          return { outcome: locked.outcome, transitions: [], duplicateDelivery: true };
        const result = await handleStripeEvent({
          tx,
          event,
          retrieveSubscription: (id) => this.gateway.retrieveSubscription(id),
          policy: this.policy,
          transitions: this.transitions,
        });
        await tx.stripeEvents.markProcessed(event.id, {
          outcome: result.outcome,
          tenantId: result.tenantId,
          error: result.note,
        });
        return { ...result, duplicateDelivery: false };
      });
    } catch (error) {
      // Payloads carry customer e-mails: log ids and types only.
      this.logger.error(
        { err: error, eventId: event.id, type: event.type },
        'stripe event processing failed; Stripe will retry',
      );
      await this.db.stripeEvents.markFailed(event.id, (error as Error).message).catch(() => undefined);
      this.metrics.webhookEvent(event.type, 'failed');
      throw error;
    }
    await this.transitions.afterCommit(...handled.transitions);
    return this.done(event, handled.outcome, handled.duplicateDelivery, handled.tenantId);
  }

  private done(
    event: Stripe.Event,
    outcome: StripeEventOutcome,
    duplicateDelivery: boolean,
    tenantId?: string,
  ): WebhookResult {
    this.metrics.webhookEvent(event.type, duplicateDelivery ? 'duplicate_delivery' : outcome);
    this.logger.info(
      { eventId: event.id, type: event.type, outcome, duplicateDelivery, tenantId },
      'stripe event',
    );
    return { eventId: event.id, type: event.type, outcome, duplicateDelivery };
  }
}
