/**
 * The Stripe adapter: the one place that imports the `stripe` SDK (with catalog-sync.ts).
 * `apiBase` points it at a local Stripe-compatible server in tests (host/port/protocol).
 */
import Stripe from 'stripe';
import { BillingMisconfiguredError, WebhookSignatureError } from '../errors.js';

export interface StripeSettings {
  secretKey: string;
  webhookSecret: string;
  /** Maximum age of a webhook signature in seconds (Stripe's default is 300). */
  toleranceSeconds?: number;
  /** e.g. http://127.0.0.1:12111 for a local Stripe-compatible server; default api.stripe.com. */
  apiBase?: string;
}

/** The subscription fields the control plane acts on. */
export interface SubscriptionSnapshot {
  id: string;
  customerId: string;
  status: string;
  lookupKey: string | null;
  quantity: number | null;
  metadata: Record<string, string>;
}

export function createStripeClient(settings: Pick<StripeSettings, 'secretKey' | 'apiBase'>): Stripe {
  const base = settings.apiBase ? new URL(settings.apiBase) : undefined;
  return new Stripe(settings.secretKey, {
    maxNetworkRetries: 2,
    timeout: 15_000,
    ...(base
      ? {
          host: base.hostname,
          port: base.port || (base.protocol === 'https:' ? '443' : '80'),
          protocol: base.protocol === 'http:' ? 'http' : 'https',
        }
      : {}),
  });
}

export const idOf = (value: string | { id: string } | null | undefined): string | null =>
  value == null ? null : typeof value === 'string' ? value : value.id;

export function subscriptionSnapshot(subscription: Stripe.Subscription): SubscriptionSnapshot {
  const item = subscription.items?.data?.[0];
  return {
    id: subscription.id,
    customerId: idOf(subscription.customer) ?? '',
    status: subscription.status,
    lookupKey: item?.price?.lookup_key ?? null,
    quantity: item?.quantity ?? null,
    metadata: { ...(subscription.metadata ?? {}) },
  };
}

export class StripeGateway {
  readonly stripe: Stripe;

  constructor(private readonly settings: StripeSettings) {
    this.stripe = createStripeClient(settings);
  }

  /**
   * Verifies the signature over the raw body with Stripe's own code and parses the event.
   * Throws WebhookSignatureError for a missing, forged or too old signature.
   */
  verifyWebhook(rawBody: Buffer, signature: string | string[] | undefined): Stripe.Event {
    if (typeof signature !== 'string' || signature.length === 0)
      throw new WebhookSignatureError('missing Stripe-Signature header');
    const tolerance = this.settings.toleranceSeconds ?? 300;
    let event: Stripe.Event;
    try {
      event = this.stripe.webhooks.constructEvent(rawBody, signature, this.settings.webhookSecret, tolerance);
    } catch (error) {
      throw new WebhookSignatureError(
        `webhook signature verification failed: ${(error as Error).message.split('\n')[0]}`,
      );
    }
    // Stripe's check bounds the age only; a signature dated in the future would stay replayable
    // until that date, so it is bounded the same way on that side.
    const signedAt = Number(/(?:^|,)\s*t=(\d+)/.exec(signature)?.[1]);
    if (!Number.isFinite(signedAt) || signedAt - Date.now() / 1000 > tolerance)
      throw new WebhookSignatureError(
        'webhook signature verification failed: the signature is dated in the future beyond the tolerance',
      );
    return event;
  }

  /** A duplicate subscription runs out instead of renewing (idempotent on Stripe's side). */
  async cancelAtPeriodEnd(subscriptionId: string): Promise<void> {
    await this.stripe.subscriptions.update(
      subscriptionId,
      { cancel_at_period_end: true },
      { idempotencyKey: `cancel-duplicate:${subscriptionId}` },
    );
  }

  async priceIdForLookupKey(lookupKey: string): Promise<string> {
    const prices = await this.stripe.prices.list({ lookup_keys: [lookupKey], active: true, limit: 1 });
    const price = prices.data[0];
    if (!price) {
      throw new BillingMisconfiguredError(
        `Stripe has no active price with lookup key "${lookupKey}"; run tools/stripe-bootstrap`,
      );
    }
    return price.id;
  }

  async createCheckoutSession(input: {
    tenantId: string;
    correlationId: string;
    email: string;
    lookupKey: string;
    quantity: number;
    successUrl: string;
    cancelUrl: string;
    idempotencyKey: string;
  }): Promise<{ id: string; url: string }> {
    const price = await this.priceIdForLookupKey(input.lookupKey);
    const metadata = { tenantId: input.tenantId, correlationId: input.correlationId };
    const session = await this.stripe.checkout.sessions.create(
      {
        mode: 'subscription',
        line_items: [{ price, quantity: input.quantity }],
        customer_email: input.email,
        client_reference_id: input.tenantId,
        metadata,
        subscription_data: { metadata },
        success_url: input.successUrl,
        cancel_url: input.cancelUrl,
      },
      { idempotencyKey: input.idempotencyKey },
    );
    if (!session.url) throw new BillingMisconfiguredError('Stripe returned a checkout session without a URL');
    return { id: session.id, url: session.url };
  }

  async createPortalSession(customerId: string, returnUrl: string): Promise<{ url: string }> {
    const session = await this.stripe.billingPortal.sessions.create({
      customer: customerId,
      return_url: returnUrl,
    });
    return { url: session.url };
  }

  async retrieveSubscription(id: string): Promise<SubscriptionSnapshot> {
    return subscriptionSnapshot(await this.stripe.subscriptions.retrieve(id));
  }
}

export type { Stripe };
