// A customer who completes checkout twice has two subscriptions. Only the one the tenant recorded
// is theirs: events of the other (completion, plan/seat change, cancellation, failed or paid
// invoice), in any order and any number, change nothing; each is audited as a duplicate flagged for
// refund, and cancelling it at period end is asked of Stripe.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PLANS, validateTenantSpec } from '@cw/tenant-model';
import { createStripeClient, syncStripeCatalog } from '@cw/control-plane';
import { startHarness, type Harness } from './support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('dupsub', { billing: true });
  await syncStripeCatalog(createStripeClient({ secretKey: h.stripe!.secretKey, apiBase: h.stripe!.apiBase }));
}, 60_000);
afterAll(async () => h?.close());

function rng(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s % n;
  };
}

let seq = 0;
async function deliver(type: string, object: Record<string, unknown>) {
  const payload = JSON.stringify({
    id: `evt_dup${++seq}_${Date.now()}`,
    type,
    created: Math.floor(Date.now() / 1000) + seq, // newer than anything applied so far
    livemode: false,
    data: { object },
  });
  const res = await fetch(`${h.url}/webhooks/stripe`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': h.emitter!.sign(payload) },
    body: payload,
  });
  return res.status;
}

it('events of a second subscription never offboard, resize or mark past-due the tenant', async () => {
  const spec = validateTenantSpec({
    displayName: 'Twice Paid',
    plan: 'team',
    seats: 5,
    cloud: { provider: 'aws', region: 'eu-west-1' },
    hostname: 'twice-paid.localtest.me',
  });
  if (!spec.ok) throw new Error('fixture');
  const tenant = await h.ctx.db.tenants.create({
    slug: 'twice-paid',
    spec: spec.value,
    adminEmail: 'twice@example.com',
    correlationId: 'corr-twice',
    billingMode: 'stripe',
    state: 'pending_payment',
  });
  const store = h.stripe!.store;
  const first = store.payCheckout(
    { id: tenant.id, email: tenant.adminEmail! },
    { lookupKey: PLANS.team.priceLookupKey, successUrl: `${h.url}/status` },
  );
  expect((await h.emitter!.deliver(first.checkoutCompleted)).status).toBe(200);
  const paid = await h.ctx.db.tenants.getById(tenant.id);
  expect(paid.stripeSubscriptionId).toBe(first.subscriptionId);
  const second = store.payCheckout(
    { id: tenant.id, email: tenant.adminEmail! },
    { lookupKey: PLANS.team.priceLookupKey, quantity: 9, successUrl: `${h.url}/status` },
  );
  expect(second.subscriptionId).not.toBe(first.subscriptionId);
  expect((await h.emitter!.deliver(second.checkoutCompleted)).status).toBe(200);

  const dup = second.subscriptionId;
  const customer = paid.stripeCustomerId;
  const generators: Array<() => [string, Record<string, unknown>]> = [
    () => ['customer.subscription.deleted', { id: dup, customer, metadata: { tenantId: tenant.id } }],
    () => ['customer.subscription.updated', { id: dup, customer, metadata: { tenantId: tenant.id } }],
    () => ['customer.subscription.created', { id: dup, customer, metadata: {} }],
    () => [
      'invoice.payment_failed',
      { id: `in_${seq}`, customer, parent: { subscription_details: { subscription: dup, metadata: {} } } },
    ],
    () => [
      'invoice.paid',
      {
        id: `in_${seq}`,
        customer,
        parent: { subscription_details: { subscription: dup, metadata: { tenantId: tenant.id } } },
      },
    ],
  ];
  const pick = rng(2);
  let tried = 1; // the second checkout completion above
  for (let i = 0; i < 25; i++) {
    const [type, object] = generators[pick(generators.length)]!();
    expect({ type, status: await deliver(type, object) }).toEqual({ type, status: 200 });
    tried++;
  }
  const after = await h.ctx.db.tenants.getById(tenant.id);
  expect({
    state: after.state,
    seats: after.spec.seats,
    offboardAt: after.offboardAt,
    pastDueSince: after.pastDueSince,
    subscription: after.stripeSubscriptionId,
    specVersion: after.specVersion,
  }).toEqual({
    state: paid.state,
    seats: 5,
    offboardAt: null,
    pastDueSince: null,
    subscription: first.subscriptionId,
    specVersion: paid.specVersion,
  });
  const audit = (await h.ctx.db.audit.list({ limit: 1000 })).filter(
    (a) => a.action === 'billing.duplicate-subscription' && a.tenantId === tenant.id,
  );
  expect(audit).toHaveLength(tried);
  expect(audit[0]).toMatchObject({ target: dup, details: { refund: 'flagged' } });
});
