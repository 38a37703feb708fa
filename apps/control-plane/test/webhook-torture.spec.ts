// Webhook torture: 300 events for 100 tenants, each delivered 3 times in shuffled order and in
// parallel, plus deliveries with bad signatures. Every tenant must end in exactly the state its
// events mean (by Stripe `created` and object state, not arrival), with one provisioning run and
// one job each; bad deliveries are rejected with 400 and stored nowhere. Then the deadline sweep
// (moved clock) suspends and offboards the tenants whose grace periods ran out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLANS, provisioningJobId, validateTenantSpec } from '@cw/tenant-model';
import {
  EnforceBillingDeadlinesUseCase,
  TransitionTenantUseCase,
  createStripeClient,
  syncStripeCatalog,
} from '@cw/control-plane';
import type { BadSignature, StripeEventObject } from '@cw/testing/stripe';
import { startHarness, type Harness } from './support/harness.js';

const DAY = 86_400_000;
let now = new Date();
let h: Harness;
beforeAll(async () => {
  h = await startHarness('torture', {
    billing: true,
    clock: () => now,
    env: { PAYMENT_GRACE_PERIOD: '1d', OFFBOARD_GRACE_PERIOD: '2d' },
  });
  await syncStripeCatalog(createStripeClient({ secretKey: h.stripe!.secretKey, apiBase: h.stripe!.apiBase }));
}, 60_000);
afterAll(async () => h?.close());

type Group = 'seats-changed' | 'seats-changed-twice' | 'failed-then-paid' | 'cancelled' | 'paid-then-failed';
const GROUPS: Group[] = [
  'seats-changed',
  'seats-changed-twice',
  'failed-then-paid',
  'cancelled',
  'paid-then-failed',
];

interface Case {
  tenantId: string;
  group: Group;
  events: StripeEventObject[];
  seats: number;
  subscriptionId: string;
}

/** Seeded shuffle so a failure can be replayed. */
function shuffle<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

async function inParallel<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

async function createCases(): Promise<Case[]> {
  const store = h.stripe!.store;
  const cases: Case[] = [];
  for (let i = 0; i < 100; i++) {
    const group = GROUPS[i % GROUPS.length]!;
    const slug = `torture-${i}`;
    const spec = validateTenantSpec({
      displayName: `Torture ${i}`,
      plan: 'team',
      seats: 5,
      cloud: { provider: 'gcp', region: 'europe-west1' },
      hostname: `${slug}.localtest.me`,
    });
    if (!spec.ok) throw new Error('fixture');
    const tenant = await h.ctx.db.tenants.create({
      slug,
      spec: spec.value,
      adminEmail: `t${i}@example.com`,
      correlationId: `corr-torture-${i}`,
      billingMode: 'stripe',
      state: 'pending_payment',
    });
    const done = store.payCheckout(
      { id: tenant.id, email: tenant.adminEmail! },
      { lookupKey: PLANS.team.priceLookupKey, successUrl: `${h.url}/status` },
    );
    const [, firstInvoicePaid, checkoutCompleted] = done.events;
    const sub = done.subscriptionId;
    let events: StripeEventObject[];
    let seats = 5;
    switch (group) {
      case 'seats-changed':
        seats = 8 + (i % 5);
        events = [checkoutCompleted!, firstInvoicePaid!, store.updateSubscription(sub, { quantity: seats })];
        break;
      case 'seats-changed-twice':
        seats = 20 + (i % 7);
        events = [
          checkoutCompleted!,
          store.updateSubscription(sub, { quantity: 50 }),
          store.updateSubscription(sub, { quantity: seats }),
        ];
        break;
      case 'failed-then-paid':
        events = [checkoutCompleted!, store.failPayment(sub), store.payInvoice(sub)];
        break;
      case 'cancelled':
        events = [checkoutCompleted!, firstInvoicePaid!, store.cancelSubscription(sub)];
        break;
      case 'paid-then-failed':
        events = [checkoutCompleted!, firstInvoicePaid!, store.failPayment(sub)];
        break;
    }
    cases.push({ tenantId: tenant.id, group, events, seats, subscriptionId: sub });
  }
  return cases;
}

describe('webhook torture', () => {
  let cases: Case[];
  const byGroup = (group: Group) => cases.filter((c) => c.group === group);

  it('applies 300 events × 3 shuffled parallel deliveries exactly once in effect, rejecting bad signatures', async () => {
    cases = await createCases();
    const events = cases.flatMap((c) => c.events);
    expect(events).toHaveLength(300);
    // Bad deliveries: fresh events nobody sent with a good signature, and tampered copies of real ones.
    const store = h.stripe!.store;
    const forged = Array.from({ length: 20 }, (_, i) =>
      store.event('invoice.paid', {
        id: `in_forged_${i}`,
        object: 'invoice',
        customer: 'cus_x',
        parent: null,
      }),
    );
    const bad = [
      ...forged.map((event) => ({ event, bad: 'wrong-secret' as const })),
      ...events.slice(0, 20).map((event) => ({ event, bad: 'tampered' as const })),
      ...events.slice(20, 30).map((event) => ({ event, bad: 'stale' as const })),
      ...events.slice(30, 40).map((event) => ({ event, bad: 'missing' as const })),
    ];
    const good: { event: StripeEventObject; bad?: BadSignature }[] = [...events, ...events, ...events].map(
      (event) => ({ event }),
    );
    const deliveries = shuffle([...good, ...bad], 20260501);
    const statuses = new Map<string, number>();
    const started = performance.now();
    await inParallel(deliveries, 16, async ({ event, bad }) => {
      const res = await h.emitter!.deliver(event, bad ? { bad } : {});
      const key = `${bad ?? 'good'}:${res.status}`;
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
      if (bad) expect((res.body as { error: { code: string } }).error.code).toBe('invalid_signature');
    });
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `webhook torture: ${deliveries.length} deliveries in ${seconds.toFixed(2)} s (${Math.round(deliveries.length / seconds)}/s, 16 in flight)`,
    );
    expect(Object.fromEntries(statuses)).toEqual({
      'good:200': 900,
      'wrong-secret:400': 20,
      'tampered:400': 20,
      'stale:400': 10,
      'missing:400': 10,
    });

    // Stored: exactly the 300 good events, each processed once, delivered 3 times; no forged id.
    expect(await h.ctx.db.stripeEvents.count()).toBe(300);
    for (const f of forged) expect(await h.ctx.db.stripeEvents.findById(f.id)).toBeUndefined();
    const outcomes = await h.ctx.db.stripeEvents.countByOutcome();
    expect(outcomes.unprocessed ?? 0).toBe(0);
    expect(outcomes.failed ?? 0).toBe(0);
    const tampered = await h.ctx.db.stripeEvents.findById(events[0]!.id);
    expect(tampered?.livemode).toBe(false);
    expect(tampered?.deliveries).toBe(3);
  }, 120_000);

  it('leaves every tenant provisioning with one provisioning run and one job', async () => {
    const jobIds = new Set((await h.queue.getJobs(['waiting'], 0, 1000)).map((j) => j.id));
    for (const c of cases) {
      const tenant = await h.ctx.db.tenants.getById(c.tenantId);
      expect(tenant.state, c.group).toBe('provisioning');
      const provisions = await h.ctx.db.runs.listByTenant(c.tenantId, { goal: 'provision' });
      expect(provisions).toHaveLength(1);
      expect(jobIds.has(provisioningJobId(c.tenantId, provisions[0]!.id, 'synthesize-infrastructure'))).toBe(
        true,
      );
      const history = await h.ctx.db.lifecycle.history(c.tenantId);
      expect(history.filter((e) => e.event === 'checkout_completed')).toHaveLength(1);
    }
    const provisionJobs = [...jobIds].filter((id) => id?.endsWith('.synthesize-infrastructure'));
    const updateRuns = (
      await Promise.all(cases.map((c) => h.ctx.db.runs.countByTenant(c.tenantId, 'update')))
    ).reduce((a, b) => a + b, 0);
    expect(provisionJobs).toHaveLength(100 + updateRuns);
  });

  it('ends each group in the state its events mean', async () => {
    const tenants = new Map(
      await Promise.all(
        cases.map(async (c) => [c.tenantId, await h.ctx.db.tenants.getById(c.tenantId)] as const),
      ),
    );
    for (const c of [...byGroup('seats-changed'), ...byGroup('seats-changed-twice')]) {
      expect(tenants.get(c.tenantId)!.spec.seats).toBe(c.seats);
      expect(await h.ctx.db.runs.countByTenant(c.tenantId, 'update')).toBeLessThanOrEqual(
        c.group === 'seats-changed' ? 1 : 2,
      );
    }
    for (const c of byGroup('failed-then-paid')) {
      const t = tenants.get(c.tenantId)!;
      expect(t.pastDueSince).toBeNull();
      expect(t.paymentEventAt?.getTime()).toBe(c.events[2]!.created * 1000);
    }
    for (const c of byGroup('paid-then-failed')) {
      const t = tenants.get(c.tenantId)!;
      expect(t.pastDueSince?.getTime()).toBe(c.events[2]!.created * 1000);
      expect(t.graceUntil?.getTime()).toBe(c.events[2]!.created * 1000 + DAY);
    }
    for (const c of byGroup('cancelled')) {
      expect(tenants.get(c.tenantId)!.offboardAt?.getTime()).toBe(c.events[2]!.created * 1000 + 2 * DAY);
    }
  });

  it('suspends after the payment grace period, offboards after the cancellation grace period, resumes on payment', async () => {
    const transitions = h.app.get(TransitionTenantUseCase);
    // The provisioner finishes the live-payment tenants.
    for (const c of [...byGroup('paid-then-failed'), ...byGroup('failed-then-paid')]) {
      await transitions.execute(c.tenantId, 'provisioning_succeeded', {
        actor: { kind: 'provisioner', runId: 'test' },
      });
    }
    now = new Date(Date.now() + 3 * DAY);
    const result = await h.app.get(EnforceBillingDeadlinesUseCase).execute();
    expect(result).toMatchObject({ suspended: 20, offboarded: 20 });
    for (const c of byGroup('paid-then-failed')) {
      const t = await h.ctx.db.tenants.getById(c.tenantId);
      expect(t).toMatchObject({ state: 'suspended', suspensionReason: 'billing', spec: { suspended: true } });
      expect(await h.ctx.db.runs.countByTenant(c.tenantId, 'suspend')).toBe(1);
    }
    for (const c of byGroup('failed-then-paid'))
      expect((await h.ctx.db.tenants.getById(c.tenantId)).state).toBe('active');
    for (const c of byGroup('cancelled')) {
      expect((await h.ctx.db.tenants.getById(c.tenantId)).state).toBe('offboarding');
      expect(await h.ctx.db.runs.countByTenant(c.tenantId, 'offboard')).toBe(1);
    }
    // A second sweep changes nothing.
    expect(await h.app.get(EnforceBillingDeadlinesUseCase).execute()).toMatchObject({
      suspended: 0,
      offboarded: 0,
    });

    // Paying resumes, once, however often Stripe says so.
    const suspended = byGroup('paid-then-failed')[0]!;
    const paid = h.stripe!.store.payInvoice(suspended.subscriptionId);
    for (let i = 0; i < 3; i++) expect((await h.emitter!.deliver(paid)).status).toBe(200);
    const resumed = await h.ctx.db.tenants.getById(suspended.tenantId);
    expect(resumed).toMatchObject({
      state: 'active',
      suspensionReason: null,
      pastDueSince: null,
      spec: { suspended: false },
    });
    expect(await h.ctx.db.runs.countByTenant(suspended.tenantId, 'resume')).toBe(1);
  });
});
