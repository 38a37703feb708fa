// The Stripe-compatible server speaks what the real SDK sends and understands what it returns.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Stripe from 'stripe';
import { decodeStripeForm } from './form-decode.js';
import { startStripeServer, type StripeTestServer } from './stripe-server.js';

let server: StripeTestServer;
let stripe: Stripe;
beforeAll(async () => {
  server = await startStripeServer();
  stripe = new Stripe(server.secretKey, {
    host: '127.0.0.1',
    port: server.port,
    protocol: 'http',
    maxNetworkRetries: 0,
  });
});
afterAll(async () => server?.close());

describe('form decoding', () => {
  it('decodes nested objects and arrays', () => {
    expect(
      decodeStripeForm(
        'a=1&line_items[0][price]=p&line_items[0][quantity]=2&metadata[t]=x&lookup_keys[]=k1&lookup_keys[]=k2',
      ),
    ).toEqual({
      a: '1',
      line_items: [{ price: 'p', quantity: '2' }],
      metadata: { t: 'x' },
      lookup_keys: ['k1', 'k2'],
    });
  });
});

describe('Stripe-compatible server', () => {
  it('serves products, prices by lookup key, checkout and portal sessions, subscriptions', async () => {
    await stripe.products.create({ id: 'prod_x', name: 'X' });
    const price = await stripe.prices.create({
      product: 'prod_x',
      currency: 'usd',
      unit_amount: 100,
      recurring: { interval: 'month' },
      lookup_key: 'x_monthly',
    });
    const listed = await stripe.prices.list({ lookup_keys: ['x_monthly'], active: true });
    expect(listed.data.map((p) => p.id)).toEqual([price.id]);
    const session = await stripe.checkout.sessions.create(
      {
        mode: 'subscription',
        line_items: [{ price: price.id, quantity: 3 }],
        customer_email: 'a@example.com',
        metadata: { tenantId: 't1' },
        success_url: 'http://x/ok',
      },
      { idempotencyKey: 'k1' },
    );
    const again = await stripe.checkout.sessions.create(
      { mode: 'subscription', line_items: [{ price: price.id, quantity: 3 }], success_url: 'http://x/ok' },
      { idempotencyKey: 'k1' },
    );
    expect(again.id).toBe(session.id);
    const { subscriptionId, customerId, events } = server.store.completeCheckout(session.id);
    expect(events.map((e) => e.type)).toEqual([
      'customer.subscription.created',
      'invoice.paid',
      'checkout.session.completed',
    ]);
    const subscription = await stripe.subscriptions.retrieve(subscriptionId);
    expect(subscription.items.data[0]).toMatchObject({ quantity: 3, price: { lookup_key: 'x_monthly' } });
    const portal = await stripe.billingPortal.sessions.create({
      customer: customerId,
      return_url: 'http://x',
    });
    expect(portal.url).toContain(customerId);
  });

  it('answers errors the way Stripe does', async () => {
    await expect(stripe.subscriptions.retrieve('sub_missing')).rejects.toMatchObject({
      statusCode: 404,
      type: 'StripeInvalidRequestError',
    });
    const wrongKey = new Stripe('sk_test_wrong', {
      host: '127.0.0.1',
      port: server.port,
      protocol: 'http',
      maxNetworkRetries: 0,
    });
    await expect(wrongKey.products.retrieve('prod_x')).rejects.toMatchObject({ statusCode: 401 });
  });

  it('signs events that the SDK verifies', async () => {
    const { WebhookEmitter } = await import('./webhook-emitter.js');
    const emitter = new WebhookEmitter('whsec_test', 'http://unused');
    const event = server.store.event('invoice.paid', { id: 'in_1', object: 'invoice' });
    const payload = JSON.stringify(event);
    const parsed = stripe.webhooks.constructEvent(payload, emitter.sign(payload), 'whsec_test');
    expect(parsed.id).toBe(event.id);
    expect(() =>
      stripe.webhooks.constructEvent(payload, emitter.sign(payload, { secret: 'whsec_other' }), 'whsec_test'),
    ).toThrow();
  });
});

describe('Stripe-compatible server with several keys (one account each)', () => {
  let multi: StripeTestServer;
  const client = (key: string) =>
    new Stripe(key, { host: '127.0.0.1', port: multi.port, protocol: 'http', maxNetworkRetries: 0 });
  beforeAll(async () => {
    multi = await startStripeServer({
      secretKey: 'sk_test_org',
      accounts: { sk_test_alice: 'acct_alice', rk_test_eng: 'acct_eng' },
    });
  });
  afterAll(async () => multi?.close());

  it('accepts each key as its own account: separate ledgers, the request log names the account', async () => {
    await client('sk_test_alice').paymentIntents.create({ amount: 500, currency: 'usd', confirm: true });
    await client('rk_test_eng').paymentIntents.create({ amount: 700, currency: 'usd', confirm: true });
    await client('sk_test_org').paymentIntents.create({ amount: 900, currency: 'usd', confirm: true });
    expect(multi.requests.map((r) => r.account)).toEqual(['acct_alice', 'acct_eng', 'acct_default']);
    expect([...multi.ledger('acct_alice').intents.values()].map((i) => i.amount)).toEqual([500]);
    expect([...multi.ledger('acct_eng').intents.values()].map((i) => i.amount)).toEqual([700]);
    expect([...multi.payments.intents.values()].map((i) => i.amount)).toEqual([900]);
    expect(multi.ledger('acct_default')).toBe(multi.payments);
  });

  it('checks the key as Stripe does: Bearer or Basic, missing, unknown and publishable keys refused', async () => {
    const balance = (authorization?: string) =>
      fetch(`${multi.url}/v1/balance`, authorization ? { headers: { authorization } } : {}).then(
        async (r) => ({ status: r.status, body: (await r.json()) as { error?: { message: string } } }),
      );
    expect((await balance(`Basic ${Buffer.from('sk_test_alice:').toString('base64')}`)).status).toBe(200);
    expect((await balance('Bearer sk_test_alice')).status).toBe(200);
    expect(await balance()).toMatchObject({
      status: 401,
      body: { error: { message: /did not provide an API key/ } },
    });
    expect(await balance('Bearer sk_test_nobody')).toMatchObject({
      status: 401,
      body: { error: { message: 'Invalid API Key provided.' } },
    });
    expect(await balance('Bearer pk_test_alice')).toMatchObject({
      status: 401,
      body: { error: { message: /publishable API key/ } },
    });
    await expect(client('sk_test_nobody').balance.retrieve()).rejects.toMatchObject({ statusCode: 401 });
  });

  it('replays an Idempotency-Key within its account only', async () => {
    const create = (key: string) =>
      client(key).paymentIntents.create(
        { amount: 100, currency: 'usd', confirm: true },
        { idempotencyKey: 'same' },
      );
    const [a, b] = [await create('sk_test_alice'), await create('rk_test_eng')];
    expect(a.id).not.toBe(b.id);
    expect((await create('sk_test_alice')).id).toBe(a.id);
  });
});
