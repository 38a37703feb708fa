// Stripe events that were stored but never processed (processing failed: here the subscription
// could not be fetched from Stripe) are replayed by the sweep once STRIPE_EVENT_REPLAY_AFTER has
// passed, and take effect exactly once, also when Stripe redelivers the event afterwards.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PLANS, validateTenantSpec } from '@cw/tenant-model';
import { StripeWebhookUseCase, createStripeClient, syncStripeCatalog } from '@cw/control-plane';
import { DeadlineSweepService } from '../src/sweep/deadline-sweep.service.js';
import { startHarness, type Harness } from './support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('replay', { billing: true, env: { STRIPE_EVENT_REPLAY_AFTER: '1s' } });
  await syncStripeCatalog(createStripeClient({ secretKey: h.stripe!.secretKey, apiBase: h.stripe!.apiBase }));
}, 60_000);
afterAll(async () => h?.close());

async function paidCheckout(slug: string) {
  const store = h.stripe!.store;
  const spec = validateTenantSpec({
    displayName: slug,
    plan: 'team',
    seats: 5,
    cloud: { provider: 'aws', region: 'eu-west-1' },
    hostname: `${slug}.localtest.me`,
  });
  if (!spec.ok) throw new Error('fixture');
  const tenant = await h.ctx.db.tenants.create({
    slug,
    spec: spec.value,
    adminEmail: `${slug}@example.com`,
    correlationId: `corr-${slug}`,
    billingMode: 'stripe',
    state: 'pending_payment',
  });
  const done = store.payCheckout(
    { id: tenant.id, email: tenant.adminEmail! },
    { lookupKey: PLANS.team.priceLookupKey, successUrl: `${h.url}/status` },
  );
  const completed = done.checkoutCompleted;
  return { tenant, completed, subscriptionId: done.subscriptionId };
}

it('replays an event whose processing failed; a later redelivery changes nothing', async () => {
  const { tenant, completed, subscriptionId } = await paidCheckout('replay-one');
  const subscriptions = h.stripe!.store.subscriptions;
  const subscription = subscriptions.get(subscriptionId)!;
  subscriptions.delete(subscriptionId); // Stripe cannot be asked: processing fails
  expect((await h.emitter!.deliver(completed)).status).toBe(500);
  expect(await h.ctx.db.stripeEvents.findById(String(completed.id))).toMatchObject({
    processedAt: null,
    outcome: 'failed',
  });
  expect((await h.ctx.db.tenants.getById(tenant.id)).state).toBe('pending_payment');

  subscriptions.set(subscriptionId, subscription); // Stripe is back
  const webhooks = h.app.get(StripeWebhookUseCase);
  // Too young to replay (STRIPE_EVENT_REPLAY_AFTER=1s): untouched.
  expect(await webhooks.replayUnprocessed(new Date(), { afterMs: 60_000 })).toEqual({
    replayed: 0,
    failed: 0,
  });
  await new Promise((r) => setTimeout(r, 1_100));
  await h.app.get(DeadlineSweepService).runOnce();
  expect(await h.ctx.db.stripeEvents.findById(String(completed.id))).toMatchObject({
    outcome: 'applied',
    processedAt: expect.any(Date),
  });
  expect((await h.ctx.db.tenants.getById(tenant.id)).state).toBe('provisioning');
  expect(await h.ctx.db.runs.listByTenant(tenant.id)).toHaveLength(1);

  // Stripe's own retry arrives later: a duplicate, nothing changes; the next pass finds nothing.
  expect((await h.emitter!.deliver(completed)).status).toBe(200);
  expect(await h.ctx.db.runs.listByTenant(tenant.id)).toHaveLength(1);
  expect(await webhooks.replayUnprocessed(new Date(), { afterMs: 0 })).toEqual({ replayed: 0, failed: 0 });
  expect((await h.ctx.db.stripeEvents.findById(String(completed.id)))!.deliveries).toBe(2);
});

it('keeps an event that still fails for the next pass, and ignores events older than the replay horizon', async () => {
  const { completed, subscriptionId } = await paidCheckout('replay-two');
  h.stripe!.store.subscriptions.delete(subscriptionId);
  expect((await h.emitter!.deliver(completed)).status).toBe(500);
  const webhooks = h.app.get(StripeWebhookUseCase);
  const later = new Date(Date.now() + 60_000);
  expect(await webhooks.replayUnprocessed(later, { afterMs: 1_000 })).toMatchObject({
    replayed: 0,
    failed: 1,
  });
  expect(await h.ctx.db.stripeEvents.findById(String(completed.id))).toMatchObject({
    processedAt: null,
    outcome: 'failed',
  });
  expect(await webhooks.replayUnprocessed(later, { afterMs: 1_000, maxAgeMs: 10_000 })).toEqual({
    replayed: 0,
    failed: 0,
  });
});
