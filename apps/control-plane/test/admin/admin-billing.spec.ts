// With billing on, support staff change plans through Stripe: the subscription item is changed
// (idempotently) and the tenant follows when Stripe's webhook arrives, exactly as for a change in
// the Stripe dashboard. The detail view shows the subscription as Stripe has it; offboarding
// cancels it; a Stripe failure changes nothing and is audited. Real Postgres, Redis, the local
// Stripe-compatible server (with a proxy adding subscription writes) and webhooks signed by
// Stripe's own code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLANS } from '@cw/tenant-model';
import type { TenantRecord } from '@cw/db';
import {
  createStripeClient,
  syncStripeCatalog,
  planChangeResultSchema,
  tenantDetailSchema,
} from '@cw/control-plane';
import { WebhookEmitter } from '@cw/testing/stripe';
import { WEBHOOK_SECRET, startAdminHarness, type AdminHarness } from './support/admin-harness.js';
import { startSubscriptionsProxy, type SubscriptionsProxy } from './support/stripe-subscriptions.proxy.js';

let h: AdminHarness;
let proxy: SubscriptionsProxy;
let emitter: WebhookEmitter;
let manager: string;

beforeAll(async () => {
  h = await startAdminHarness('adminbilling', {
    billing: true,
    stripeApiBase: async (stripe) => (proxy = await startSubscriptionsProxy(stripe)).url,
  });
  await syncStripeCatalog(createStripeClient({ secretKey: h.stripe!.secretKey, apiBase: h.stripe!.apiBase }));
  emitter = new WebhookEmitter(WEBHOOK_SECRET, `${h.url}/webhooks/stripe`);
  manager = await h.token(['manager']);
}, 60_000);
afterAll(async () => {
  await h?.close();
  await proxy?.close();
});

/** A paying tenant: checkout completed through Stripe's webhooks, then provisioned. */
async function payingTenant(): Promise<TenantRecord> {
  const tenant = await h.seedTenant({ state: 'pending_payment', billingMode: 'stripe' });
  const session = await h.ctx.gateway!.createCheckoutSession({
    tenantId: tenant.id,
    correlationId: tenant.correlationId,
    email: tenant.adminEmail!,
    lookupKey: PLANS.team.priceLookupKey,
    quantity: 5,
    successUrl: `${h.url}/status`,
    cancelUrl: `${h.url}/status`,
    idempotencyKey: `checkout:${tenant.id}`,
  });
  for (const event of h.stripe!.store.completeCheckout(session.id).events)
    expect((await emitter.deliver(event)).status).toBe(200);
  await h.ctx.db.lifecycle.transition(tenant.id, 'provisioning_succeeded', {
    actor: { kind: 'system', reason: 'test: provisioned' },
  });
  return h.ctx.db.tenants.getById(tenant.id);
}

describe('plan changes through Stripe', () => {
  let tenant: TenantRecord;

  it('shows the subscription as Stripe has it now', async () => {
    tenant = await payingTenant();
    const detail = tenantDetailSchema.parse(
      (await h.call('GET', `/admin/v1/tenants/${tenant.slug}`, { token: manager })).json(),
    );
    expect(detail.tenant.state).toBe('active');
    expect(detail.billing).toMatchObject({
      mode: 'stripe',
      enabled: true,
      subscriptionId: tenant.stripeSubscriptionId,
      subscription: { source: 'stripe', status: 'active', lookupKey: PLANS.team.priceLookupKey, quantity: 5 },
    });
    expect(detail.stripeEvents.map((e) => e.type).sort()).toEqual([
      'checkout.session.completed',
      'customer.subscription.created',
      'invoice.paid',
    ]);
  });

  it('changes the subscription item, and the tenant only when the webhook arrives', async () => {
    const reply = await h.call('POST', `/admin/v1/tenants/${tenant.slug}/plan`, {
      token: manager,
      body: { plan: 'enterprise', seats: 30 },
    });
    expect(reply.status, reply.text).toBe(200);
    expect(planChangeResultSchema.parse(reply.json())).toMatchObject({
      via: 'stripe',
      plan: 'enterprise',
      seats: 30,
      subscriptionId: tenant.stripeSubscriptionId,
      run: null,
    });
    expect(proxy.keys.at(-1)).toMatch(new RegExp(`^admin-plan:${tenant.id}:`));
    expect((await h.ctx.db.tenants.getById(tenant.id)).spec).toMatchObject({ plan: 'team', seats: 5 });

    const event = proxy.events.at(-1)!;
    expect(event.type).toBe('customer.subscription.updated');
    expect((await emitter.deliver(event)).status).toBe(200);
    const after = await h.ctx.db.tenants.getById(tenant.id);
    expect(after.spec).toMatchObject({ plan: 'enterprise', seats: 30, isolation: 'shared' });
    expect((await h.ctx.db.lifecycle.history(tenant.id)).at(-1)).toMatchObject({
      event: 'plan_changed',
      actor: { kind: 'stripe', eventId: event.id },
    });
    expect((await h.ctx.db.runs.latestForTenant(tenant.id))?.goal).toBe('update');
    const audit = (await h.audit()).find((r) => r.action === 'changeTenantPlan' && r.tenantId === tenant.id);
    expect(audit).toMatchObject({ outcome: 'ok', details: { via: 'stripe', plan: 'enterprise', seats: 30 } });
  });

  it('cancels the subscription when offboarding; the deleted webhook then changes nothing', async () => {
    const reply = await h.call('POST', `/admin/v1/tenants/${tenant.slug}/offboard`, {
      token: manager,
      body: { confirm: tenant.slug },
    });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.json()).toMatchObject({
      state: 'offboarding',
      message: expect.stringContaining('subscription was cancelled'),
    });
    const deleted = proxy.events.at(-1)!;
    expect(deleted.type).toBe('customer.subscription.deleted');
    expect((await emitter.deliver(deleted)).status).toBe(200);
    expect((await h.ctx.db.tenants.getById(tenant.id)).state).toBe('offboarding');
  });

  it('reports a Stripe failure as 502, changes nothing, and audits it as failed', async () => {
    const other = await payingTenant();
    await h.ctx.db.tenants.update(other.id, { stripeSubscriptionId: 'sub_test_gone' });
    const reply = await h.call('POST', `/admin/v1/tenants/${other.slug}/plan`, {
      token: manager,
      body: { seats: 9 },
    });
    expect(reply.status).toBe(502);
    expect(reply.json()).toMatchObject({ error: { code: 'billing_unavailable' } });
    expect((await h.ctx.db.tenants.getById(other.id)).spec.seats).toBe(5);
    expect(
      (await h.audit()).find((r) => r.action === 'changeTenantPlan' && r.tenantId === other.id),
    ).toMatchObject({ outcome: 'failed', details: { status: 502 } });
  });
});
