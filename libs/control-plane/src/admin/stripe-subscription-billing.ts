/**
 * SubscriptionBilling over the billing adapter's Stripe client (StripeGateway): retrieve, change
 * the subscription item's price and quantity, cancel. Every write carries an idempotency key.
 */
import {
  subscriptionSnapshot,
  type StripeGateway,
  type SubscriptionSnapshot,
} from '../billing/stripe.gateway.js';
import type { SubscriptionBilling, SubscriptionChange } from './admin-ports.js';

export class StripeSubscriptionBilling implements SubscriptionBilling {
  constructor(private readonly gateway: StripeGateway) {}

  retrieve(subscriptionId: string): Promise<SubscriptionSnapshot> {
    return this.gateway.retrieveSubscription(subscriptionId);
  }

  async change(
    subscriptionId: string,
    change: SubscriptionChange,
    idempotencyKey: string,
  ): Promise<SubscriptionSnapshot> {
    const stripe = this.gateway.stripe;
    const current = await stripe.subscriptions.retrieve(subscriptionId);
    const item = current.items.data[0];
    if (!item) throw new Error(`subscription ${subscriptionId} has no item to change`);
    const price = await this.gateway.priceIdForLookupKey(change.lookupKey);
    const updated = await stripe.subscriptions.update(
      subscriptionId,
      { items: [{ id: item.id, price, quantity: change.quantity }], proration_behavior: 'create_prorations' },
      { idempotencyKey },
    );
    return subscriptionSnapshot(updated);
  }

  async cancel(subscriptionId: string, idempotencyKey: string): Promise<{ status: string }> {
    const cancelled = await this.gateway.stripe.subscriptions.cancel(subscriptionId, {}, { idempotencyKey });
    return { status: cancelled.status };
  }
}
