/**
 * The in-memory state of the Stripe-compatible server, and the "things that happen in Stripe"
 * a test can trigger (a customer pays, a billing admin changes seats, a card fails, a
 * subscription is cancelled). Each returns the webhook events Stripe would send, in the shape of
 * the API version of the installed SDK, with strictly increasing `created` times.
 */
import { randomBytes } from 'node:crypto';

export type Obj = Record<string, unknown>;
export interface StripeEventObject {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  data: { object: Obj; previous_attributes?: Obj };
  livemode: false;
  pending_webhooks: number;
  request: { id: null; idempotency_key: null };
  type: string;
}

export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly param?: string,
    readonly type = 'invalid_request_error',
    readonly code?: string,
  ) {
    super(message);
  }
}

const id = (prefix: string) =>
  `${prefix}_test_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`;
const clone = <T>(value: T): T => structuredClone(value);

interface LineItem {
  price: string;
  quantity: number;
}

export class StripeStore {
  readonly products = new Map<string, Obj>();
  readonly prices = new Map<string, Obj>();
  readonly sessions = new Map<
    string,
    Obj & { line_items_internal: LineItem[]; subscription_metadata: Obj }
  >();
  readonly customers = new Map<string, Obj>();
  readonly subscriptions = new Map<string, Obj>();
  readonly invoices = new Map<string, Obj>();
  readonly portalSessions = new Map<string, Obj>();
  /** Event time in seconds; each event advances it by at least one second. */
  private clock = Math.floor(Date.now() / 1000);

  constructor(
    readonly baseUrl: () => string,
    readonly apiVersion: string,
  ) {}

  now(): number {
    return Math.floor(Date.now() / 1000);
  }

  /** Moves the event clock (seconds since the epoch) to at least `seconds`. */
  setClock(seconds: number): void {
    this.clock = seconds;
  }

  event(type: string, object: Obj, previous?: Obj): StripeEventObject {
    this.clock = Math.max(this.clock + 1, this.now());
    return {
      id: id('evt'),
      object: 'event',
      api_version: this.apiVersion,
      created: this.clock,
      data: { object: clone(object), ...(previous ? { previous_attributes: previous } : {}) },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
    };
  }

  // --- API operations --------------------------------------------------------------------------

  createProduct(params: Obj): Obj {
    const productId = typeof params.id === 'string' ? params.id : id('prod');
    if (this.products.has(productId))
      throw new StripeApiError(
        400,
        `Product already exists.`,
        'id',
        'invalid_request_error',
        'resource_already_exists',
      );
    const product = {
      id: productId,
      object: 'product',
      active: params.active !== 'false',
      name: params.name,
      metadata: params.metadata ?? {},
      created: this.now(),
      livemode: false,
    };
    this.products.set(productId, product);
    return product;
  }

  updateProduct(productId: string, params: Obj): Obj {
    const product = this.get(this.products, productId, 'product');
    if (params.name !== undefined) product.name = params.name;
    if (params.active !== undefined) product.active = params.active === 'true';
    if (params.metadata !== undefined)
      product.metadata = { ...(product.metadata as Obj), ...(params.metadata as Obj) };
    return product;
  }

  createPrice(params: Obj): Obj {
    const product = this.get(this.products, String(params.product), 'product');
    const lookupKey = typeof params.lookup_key === 'string' ? params.lookup_key : null;
    if (lookupKey) {
      const holder = [...this.prices.values()].find((p) => p.lookup_key === lookupKey);
      if (holder && params.transfer_lookup_key !== 'true') {
        throw new StripeApiError(
          400,
          `A price (\`${String(holder.id)}\`) already uses that lookup key.`,
          'lookup_key',
        );
      }
      if (holder) holder.lookup_key = null;
    }
    const recurring = params.recurring as Obj | undefined;
    const price = {
      id: id('price'),
      object: 'price',
      active: true,
      currency: params.currency,
      unit_amount: Number(params.unit_amount),
      recurring: recurring
        ? { interval: recurring.interval, interval_count: 1, usage_type: 'licensed' }
        : null,
      type: recurring ? 'recurring' : 'one_time',
      lookup_key: lookupKey,
      nickname: params.nickname ?? null,
      product: product.id,
      metadata: params.metadata ?? {},
      created: this.now(),
      livemode: false,
    };
    this.prices.set(price.id, price);
    return price;
  }

  updatePrice(priceId: string, params: Obj): Obj {
    const price = this.get(this.prices, priceId, 'price');
    if (params.active !== undefined) price.active = params.active === 'true';
    if (params.metadata !== undefined)
      price.metadata = { ...(price.metadata as Obj), ...(params.metadata as Obj) };
    return price;
  }

  listPrices(query: Obj): Obj {
    const keys = Array.isArray(query.lookup_keys) ? (query.lookup_keys as string[]) : undefined;
    const limit = Math.min(Number(query.limit ?? 10), 100);
    const data = [...this.prices.values()].filter(
      (p) =>
        (!keys || keys.includes(String(p.lookup_key))) &&
        (query.active === undefined || String(p.active) === query.active),
    );
    return { object: 'list', data: data.slice(0, limit), has_more: data.length > limit, url: '/v1/prices' };
  }

  createCheckoutSession(params: Obj): Obj {
    if (params.mode !== 'subscription')
      throw new StripeApiError(400, 'Only subscription mode is supported by this test server.', 'mode');
    const items = (params.line_items as Obj[] | undefined) ?? [];
    if (items.length === 0)
      throw new StripeApiError(400, 'Missing required param: line_items.', 'line_items');
    const lineItems = items.map((item, i) => {
      const price = this.prices.get(String(item.price));
      if (!price)
        throw new StripeApiError(400, `No such price: '${String(item.price)}'`, `line_items[${i}][price]`);
      return { price: String(price.id), quantity: Number(item.quantity ?? 1) };
    });
    for (const required of ['success_url'] as const) {
      if (typeof params[required] !== 'string')
        throw new StripeApiError(400, `Missing required param: ${required}.`, required);
    }
    const sessionId = id('cs');
    const session = {
      id: sessionId,
      object: 'checkout.session',
      mode: 'subscription',
      status: 'open',
      payment_status: 'unpaid',
      url: `${this.baseUrl()}/checkout/${sessionId}`,
      customer: null,
      customer_email: params.customer_email ?? null,
      client_reference_id: params.client_reference_id ?? null,
      metadata: params.metadata ?? {},
      subscription: null,
      success_url: params.success_url,
      cancel_url: params.cancel_url ?? null,
      created: this.now(),
      expires_at: this.now() + 24 * 3600,
      livemode: false,
      line_items_internal: lineItems,
      subscription_metadata:
        ((params.subscription_data as Obj | undefined)?.metadata as Obj | undefined) ?? {},
    };
    this.sessions.set(sessionId, session);
    return this.publicSession(session);
  }

  publicSession(session: Obj): Obj {
    const { line_items_internal: _l, subscription_metadata: _m, ...rest } = session;
    return rest;
  }

  createPortalSession(params: Obj): Obj {
    const customer = this.get(this.customers, String(params.customer), 'customer');
    const session = {
      id: id('bps'),
      object: 'billing_portal.session',
      customer: customer.id,
      return_url: params.return_url ?? null,
      url: `${this.baseUrl()}/portal/${String(customer.id)}`,
      created: this.now(),
      livemode: false,
    };
    this.portalSessions.set(session.id, session);
    return session;
  }

  get(map: Map<string, Obj>, objectId: string, kind: string): Obj {
    const value = map.get(objectId);
    if (!value)
      throw new StripeApiError(
        404,
        `No such ${kind}: '${objectId}'`,
        'id',
        'invalid_request_error',
        'resource_missing',
      );
    return value;
  }

  // --- things that happen in Stripe -------------------------------------------------------------

  /** The customer pays: customer, subscription and first invoice come to exist. */
  completeCheckout(sessionId: string): {
    events: StripeEventObject[];
    subscriptionId: string;
    customerId: string;
  } {
    const session = this.sessions.get(sessionId);
    if (!session) throw new Error(`no checkout session ${sessionId}`);
    if (session.status === 'complete') throw new Error(`checkout session ${sessionId} is already complete`);
    const customer = {
      id: id('cus'),
      object: 'customer',
      email: session.customer_email,
      created: this.now(),
      livemode: false,
    };
    this.customers.set(customer.id, customer);
    const subscription = {
      id: id('sub'),
      object: 'subscription',
      status: 'active',
      customer: customer.id,
      metadata: { ...session.subscription_metadata },
      items: {
        object: 'list',
        data: session.line_items_internal.map((li) => this.subscriptionItem(li.price, li.quantity)),
        has_more: false,
        url: '/v1/subscription_items',
      },
      cancel_at_period_end: false,
      created: this.now(),
      livemode: false,
    };
    this.subscriptions.set(subscription.id, subscription);
    Object.assign(session, {
      status: 'complete',
      payment_status: 'paid',
      customer: customer.id,
      subscription: subscription.id,
    });
    const events = [
      this.event('customer.subscription.created', subscription),
      this.event('invoice.paid', this.invoice(subscription, 'paid')),
      this.event('checkout.session.completed', this.publicSession(session)),
    ];
    return { events, subscriptionId: subscription.id, customerId: customer.id };
  }

  /**
   * What the control plane's checkout followed by the customer paying amounts to, in one call:
   * a subscription Checkout Session for `tenantId` (price by lookup key, `quantity` seats, the
   * tenant id in metadata and client_reference_id as the control plane sets them), completed.
   * For tests that create the pending tenant themselves; `checkoutCompleted` is the event that
   * moves it to provisioning.
   */
  payCheckout(
    tenant: { id: string; email: string },
    options: { lookupKey: string; quantity?: number; successUrl?: string },
  ): ReturnType<StripeStore['completeCheckout']> & { checkoutCompleted: StripeEventObject } {
    const price = [...this.prices.values()].find((p) => p.lookup_key === options.lookupKey);
    if (!price) throw new Error(`no price with lookup key ${options.lookupKey}`);
    const session = this.createCheckoutSession({
      mode: 'subscription',
      line_items: [{ price: price.id, quantity: String(options.quantity ?? 5) }],
      customer_email: tenant.email,
      client_reference_id: tenant.id,
      metadata: { tenantId: tenant.id },
      subscription_data: { metadata: { tenantId: tenant.id } },
      success_url: options.successUrl ?? 'http://127.0.0.1/status',
    });
    const done = this.completeCheckout(String(session.id));
    return { ...done, checkoutCompleted: done.events.find((e) => e.type === 'checkout.session.completed')! };
  }

  /** A billing admin changes the plan (by lookup key) and/or the seats in the dashboard. */
  updateSubscription(
    subscriptionId: string,
    change: { lookupKey?: string; quantity?: number },
  ): StripeEventObject {
    const subscription = this.get(this.subscriptions, subscriptionId, 'subscription');
    const items = subscription.items as { data: Obj[] };
    const previous = clone(items);
    const item = items.data[0]!;
    if (change.lookupKey) {
      const price = [...this.prices.values()].find((p) => p.lookup_key === change.lookupKey && p.active);
      if (!price) throw new Error(`no active price with lookup key ${change.lookupKey}`);
      item.price = clone(price);
    }
    if (change.quantity !== undefined) item.quantity = change.quantity;
    return this.event('customer.subscription.updated', subscription, { items: previous });
  }

  failPayment(subscriptionId: string): StripeEventObject {
    const subscription = this.get(this.subscriptions, subscriptionId, 'subscription');
    subscription.status = 'past_due';
    return this.event('invoice.payment_failed', this.invoice(subscription, 'open'));
  }

  payInvoice(subscriptionId: string): StripeEventObject {
    const subscription = this.get(this.subscriptions, subscriptionId, 'subscription');
    subscription.status = 'active';
    return this.event('invoice.paid', this.invoice(subscription, 'paid'));
  }

  cancelSubscription(subscriptionId: string): StripeEventObject {
    const subscription = this.get(this.subscriptions, subscriptionId, 'subscription');
    subscription.status = 'canceled';
    subscription.canceled_at = this.now();
    return this.event('customer.subscription.deleted', subscription);
  }

  private subscriptionItem(priceId: string, quantity: number): Obj {
    return {
      id: id('si'),
      object: 'subscription_item',
      price: clone(this.get(this.prices, priceId, 'price')),
      quantity,
      current_period_start: this.now(),
      current_period_end: this.now() + 30 * 24 * 3600,
    };
  }

  private invoice(subscription: Obj, status: 'paid' | 'open'): Obj {
    const item = (subscription.items as { data: Obj[] }).data[0]!;
    const amount = Number((item.price as Obj).unit_amount) * Number(item.quantity);
    const invoice = {
      id: id('in'),
      object: 'invoice',
      customer: subscription.customer,
      status,
      currency: (item.price as Obj).currency,
      amount_due: amount,
      amount_paid: status === 'paid' ? amount : 0,
      parent: {
        type: 'subscription_details',
        quote_details: null,
        subscription_details: { subscription: subscription.id, metadata: clone(subscription.metadata) },
      },
      created: this.now(),
      livemode: false,
    };
    this.invoices.set(invoice.id, invoice);
    return invoice;
  }
}
