/**
 * Payments as the Stripe API answers them, for the engine's payments plugin: PaymentIntents
 * (created and confirmed with a test card in one call), refunds against them, and the account
 * balance they move. Amounts are integers in the currency's smallest unit, as in Stripe.
 */
import { randomBytes } from 'node:crypto';
import { StripeApiError, type Obj } from './stripe-store.js';

const id = (prefix: string) =>
  `${prefix}_test_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`;
const CURRENCY = /^[a-z]{3}$/;

function amountOf(params: Obj, field = 'amount'): number {
  const n = Number(params[field]);
  if (typeof params[field] !== 'string' || !Number.isInteger(n) || n < 1)
    throw new StripeApiError(400, `Invalid integer: ${String(params[field] ?? '')}`, field);
  return n;
}

export class PaymentsLedger {
  readonly intents = new Map<string, Obj & { amount: number; amount_refunded: number; currency: string }>();
  readonly refunds = new Map<string, Obj>();
  /** Available balance per currency (smallest unit). */
  readonly balance = new Map<string, number>();

  constructor(private readonly now: () => number) {}

  createPaymentIntent(params: Obj): Obj {
    const amount = amountOf(params);
    const currency = String(params.currency ?? '').toLowerCase();
    if (!CURRENCY.test(currency)) throw new StripeApiError(400, 'Invalid currency', 'currency');
    const confirm = params.confirm === 'true';
    // The test card that always declines, as in Stripe's test mode.
    if (confirm && params.payment_method === 'pm_card_chargeDeclined')
      throw new StripeApiError(402, 'Your card was declined.', undefined, 'card_error', 'card_declined');
    const intent = {
      id: id('pi'),
      object: 'payment_intent',
      amount,
      amount_received: confirm ? amount : 0,
      amount_refunded: 0,
      currency,
      created: this.now(),
      description: typeof params.description === 'string' ? params.description : null,
      customer: typeof params.customer === 'string' ? params.customer : null,
      metadata: (params.metadata as Obj | undefined) ?? {},
      payment_method: typeof params.payment_method === 'string' ? params.payment_method : null,
      status: confirm ? 'succeeded' : 'requires_payment_method',
      livemode: false,
    };
    this.intents.set(intent.id, intent);
    if (confirm) this.balance.set(currency, (this.balance.get(currency) ?? 0) + amount);
    return intent;
  }

  getPaymentIntent(intentId: string): Obj {
    const intent = this.intents.get(intentId);
    if (!intent)
      throw new StripeApiError(
        404,
        `No such payment_intent: '${intentId}'`,
        'id',
        'invalid_request_error',
        'resource_missing',
      );
    return intent;
  }

  createRefund(params: Obj): Obj {
    const intentId = String(params.payment_intent ?? '');
    const intent = this.intents.get(intentId);
    if (!intent)
      throw new StripeApiError(
        404,
        `No such payment_intent: '${intentId}'`,
        'payment_intent',
        'invalid_request_error',
        'resource_missing',
      );
    if (intent.status !== 'succeeded')
      throw new StripeApiError(400, 'This PaymentIntent has not succeeded.', 'payment_intent');
    const amount = params.amount === undefined ? intent.amount - intent.amount_refunded : amountOf(params);
    if (amount > intent.amount - intent.amount_refunded)
      throw new StripeApiError(
        400,
        `Refund amount (${amount}) is greater than unrefunded amount on charge`,
        'amount',
        'invalid_request_error',
        'charge_already_refunded',
      );
    intent.amount_refunded += amount;
    this.balance.set(intent.currency, (this.balance.get(intent.currency) ?? 0) - amount);
    const refund = {
      id: id('re'),
      object: 'refund',
      amount,
      currency: intent.currency,
      payment_intent: intent.id,
      reason: typeof params.reason === 'string' ? params.reason : null,
      status: 'succeeded',
      created: this.now(),
    };
    this.refunds.set(refund.id, refund);
    return refund;
  }

  getBalance(): Obj {
    const entries = [...this.balance.entries()];
    const available = (entries.length > 0 ? entries : [['usd', 0] as const]).map(([currency, amount]) => ({
      amount,
      currency,
      source_types: { card: amount },
    }));
    return {
      object: 'balance',
      available,
      pending: available.map((a) => ({ ...a, amount: 0 })),
      livemode: false,
    };
  }
}
