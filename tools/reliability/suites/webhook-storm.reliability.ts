/**
 * Webhook storm: 600 tenants × 4 Stripe events (checkout completed, first invoice paid, seats
 * changed twice) × 3 deliveries each, shuffled and 32 in flight, plus 5% forged deliveries
 * (wrong secret, tampered body, stale timestamp, no signature). Every event must take effect
 * exactly once whatever the order: one provisioning run and one `checkout_completed` per tenant,
 * the seats of the newest subscription update, every event stored once with 3 deliveries, no
 * forged id stored. RELIABILITY_STORM_TENANTS scales it (default 600: 7,560 deliveries in about
 * 20 s on a 2-core machine; 2000: 25,200 deliveries in about 75 s).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PLANS, validateTenantSpec } from '@cw/tenant-model';
import type { BadSignature, StripeEventObject } from '@cw/testing/stripe';
import { inParallel, report, seededRandom, startControlPlane, type ControlPlane } from '../src/index.js';

const TENANTS = Number(process.env.RELIABILITY_STORM_TENANTS ?? 600);
const r = seededRandom();
let cp: ControlPlane;

beforeAll(async () => {
  cp = await startControlPlane({ label: 'storm' });
});
afterAll(async () => cp?.close());

interface Case {
  tenantId: string;
  events: StripeEventObject[];
  seats: number;
}

async function createCases(): Promise<Case[]> {
  const store = cp.stripe.store;
  const cases: Case[] = [];
  await inParallel(
    Array.from({ length: TENANTS }, (_, i) => i),
    8,
    async (i) => {
      const slug = `storm-${i}`;
      const spec = validateTenantSpec({
        displayName: `Storm ${i}`,
        plan: 'team',
        seats: 5,
        cloud: { provider: 'gcp', region: 'europe-west1' },
        hostname: `${slug}.localtest.me`,
      });
      if (!spec.ok) throw new Error('fixture');
      const tenant = await cp.db.tenants.create({
        slug,
        spec: spec.value,
        adminEmail: `s${i}@example.com`,
        correlationId: `corr-storm-${i}`,
        billingMode: 'stripe',
        state: 'pending_payment',
      });
      const done = store.payCheckout(
        { id: tenant.id, email: tenant.adminEmail! },
        { lookupKey: PLANS.team.priceLookupKey, successUrl: `${cp.url}/status` },
      );
      const completed = done.events.find((e) => e.type === 'checkout.session.completed')!;
      const paid = done.events.find((e) => e.type === 'invoice.paid')!;
      const seats = 20 + (i % 17);
      const first = store.updateSubscription(done.subscriptionId, { quantity: 50 });
      const second = store.updateSubscription(done.subscriptionId, { quantity: seats });
      cases.push({ tenantId: tenant.id, events: [completed, paid, first, second], seats });
    },
  );
  return cases;
}

it('applies every event exactly once in effect through a shuffled storm of duplicates and forgeries', async () => {
  const cases = await createCases();
  const events = cases.flatMap((c) => c.events);
  expect(events).toHaveLength(TENANTS * 4);
  const good = [...events, ...events, ...events].map((event) => ({
    event,
    bad: undefined as BadSignature | undefined,
  }));
  const kinds: BadSignature[] = ['wrong-secret', 'tampered', 'stale', 'missing'];
  const forgedCount = Math.round(good.length * 0.05);
  const forgedIds = new Set<string>();
  const bad = Array.from({ length: forgedCount }, (_, i) => {
    const kind = kinds[i % kinds.length]!;
    if (kind === 'wrong-secret' && i % 8 === 0) {
      // An event nobody ever sent with a good signature: its id must never be stored.
      const event = cp.stripe.store.event('invoice.paid', {
        id: `in_forged_${i}`,
        object: 'invoice',
        customer: 'cus_forged',
        parent: null,
      });
      forgedIds.add(event.id);
      return { event, bad: kind };
    }
    return { event: r.pick(events), bad: kind };
  });
  const deliveries = r.shuffle([...good, ...bad]);
  const statuses = new Map<string, number>();
  const started = performance.now();
  await inParallel(deliveries, 32, async ({ event, bad: kind }) => {
    const res = await cp.emitter.deliver(event, kind ? { bad: kind } : {});
    const key = `${kind ? 'forged' : 'good'}:${res.status}`;
    statuses.set(key, (statuses.get(key) ?? 0) + 1);
  });
  const seconds = (performance.now() - started) / 1000;
  expect(Object.fromEntries(statuses)).toEqual({ 'good:200': good.length, 'forged:400': forgedCount });

  // Stored once each, all processed, three deliveries each; forged ids nowhere.
  expect(await cp.db.stripeEvents.count()).toBe(events.length);
  const outcomes = await cp.db.stripeEvents.countByOutcome();
  expect(outcomes.unprocessed ?? 0).toBe(0);
  expect(outcomes.failed ?? 0).toBe(0);
  for (const id of forgedIds) expect(await cp.db.stripeEvents.findById(id)).toBeUndefined();
  let lost = 0;
  let duplicated = 0;
  await inParallel(cases, 16, async (c) => {
    const tenant = await cp.db.tenants.getById(c.tenantId);
    const provisions = await cp.db.runs.listByTenant(c.tenantId, { goal: 'provision' });
    const checkouts = (await cp.db.lifecycle.history(c.tenantId)).filter(
      (e) => e.event === 'checkout_completed',
    );
    if (
      tenant.state !== 'provisioning' ||
      provisions.length === 0 ||
      checkouts.length === 0 ||
      tenant.spec.seats !== c.seats
    )
      lost++;
    if (provisions.length > 1 || checkouts.length > 1) duplicated++;
  });
  for (const e of events.filter((_, i) => i % 97 === 0))
    expect((await cp.db.stripeEvents.findById(e.id))?.deliveries).toBe(3);
  expect({ lost, duplicated }).toEqual({ lost: 0, duplicated: 0 });
  report('webhook-storm', {
    seed: r.seed,
    tenants: TENANTS,
    events: events.length,
    deliveries: deliveries.length,
    forged: forgedCount,
    faultsInjected: forgedCount,
    seconds: seconds.toFixed(1),
    perSecond: Math.round(deliveries.length / seconds),
    lost,
    duplicated,
  });
});
