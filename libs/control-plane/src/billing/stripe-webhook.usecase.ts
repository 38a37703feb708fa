/**
 * POST /webhooks/stripe. The signature is verified over the raw body first (a bad one is
 * rejected and stored nowhere); then the event is stored by id before anything acts on it; then
 * it is processed in one transaction holding the event row lock, so however many times and in
 * whatever order Stripe delivers, each event takes effect once. A processing error leaves the
 * event unprocessed and answers 500, so Stripe delivers it again; and the periodic sweep replays
 * stored events that stayed unprocessed (`replayUnprocessed`), so an event is not lost when
 * Stripe's retries run out or a process died between storing and processing it.
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

export interface ReplayPolicy {
  /** Unprocessed this long after it was received, an event is replayed. */
  afterMs: number;
  /** Not older than this (Stripe's own retries span 3 days). @default 7 days */
  maxAgeMs?: number;
  /** Events per pass. @default 50 */
  limit?: number;
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
    return this.process(event);
  }

  /**
   * Processes stored events that stayed unprocessed for `afterMs` (their signatures were
   * verified when they were stored). Each goes through the same locked transaction as a
   * delivery, so a replay racing a redelivery still takes effect once. Never throws.
   */
  async replayUnprocessed(now: Date, policy: ReplayPolicy): Promise<{ replayed: number; failed: number }> {
    const due = await this.db.stripeEvents.listUnprocessed(
      new Date(now.getTime() - policy.afterMs),
      policy.limit ?? 50,
      new Date(now.getTime() - (policy.maxAgeMs ?? 7 * 86_400_000)),
    );
    let replayed = 0;
    let failed = 0;
    for (const record of due) {
      try {
        assertEventShape(record.payload);
        const result = await this.process(record.payload as unknown as Stripe.Event);
        if (!result.duplicateDelivery) replayed++;
      } catch {
        failed++; // logged and marked by process(); tried again next pass
      }
    }
    if (due.length > 0) this.logger.info({ due: due.length, replayed, failed }, 'stripe events replayed');
    return { replayed, failed };
  }

  private async process(event: Stripe.Event): Promise<WebhookResult> {
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
          cancelAtPeriodEnd: (id) => this.gateway.cancelAtPeriodEnd(id),
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
