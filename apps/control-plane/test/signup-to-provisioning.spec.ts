// One user journey with billing on: sign-up → e-mail → verify → Stripe Checkout → webhook →
// tenant `provisioning` with exactly one provisioning job. Real PostgreSQL and Redis, the local
// Stripe-compatible server, webhooks signed with Stripe's own signing code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLANS, provisioningJobId } from '@cw/tenant-model';
import { createStripeClient, syncStripeCatalog } from '@cw/control-plane';
import { startHarness, type Harness } from './support/harness.js';
import { TestClient, csrfFromHtml } from './support/http-client.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('journey', { billing: true });
  await syncStripeCatalog(createStripeClient({ secretKey: h.stripe!.secretKey, apiBase: h.stripe!.apiBase }));
});
afterAll(async () => h?.close());

describe('sign-up to provisioning with Stripe', () => {
  const email = 'Ada.Lovelace@Example.com';
  const browser = () => new TestClient(h.url);
  let client: TestClient;
  let tenantId: string;
  let checkoutUrl: string;

  it('signs up (JSON) and mails a magic link; nothing else happens yet', async () => {
    client = browser();
    await client.primeCsrf();
    const res = await client.postJson('/api/signup', {
      organisationName: 'Analytical Engines Ltd',
      email,
      plan: 'team',
      seats: 12,
      cloud: 'aws',
      region: 'eu-west-1',
      isolation: 'dedicated',
    });
    expect(res.status).toBe(201);
    const body = res.json<{
      tenantId: string;
      slug: string;
      hostname: string;
      state: string;
      emailHint: string;
    }>();
    expect(body).toMatchObject({
      slug: 'analytical-engines-ltd',
      hostname: 'analytical-engines-ltd.localtest.me',
      state: 'pending_verification',
      emailHint: 'A***@example.com',
    });
    tenantId = body.tenantId;
    const tenant = await h.ctx.db.tenants.getById(tenantId);
    expect(tenant.spec).toMatchObject({
      plan: 'team',
      seats: 12,
      isolation: 'dedicated',
      cloud: { provider: 'aws', region: 'eu-west-1' },
    });
    expect((await h.ctx.db.lifecycle.history(tenantId)).map((e) => e.event)).toEqual(['created']);
    expect(await h.queue.getJobCounts('waiting')).toEqual({ waiting: 0 });
  });

  it('verifies by the link: GET shows a confirm button, POST sends the customer to Stripe Checkout', async () => {
    const link = await h.magicLink('ada.lovelace@example.com');
    expect(link).toMatch(new RegExp(`^${h.url}/verify\\?token=`));
    const page = await client.get(link.replace(h.url, ''), { accept: 'text/html' });
    expect(page.status).toBe(200);
    expect(page.text).toContain('Confirm and continue');
    const token = new URL(link).searchParams.get('token')!;
    const confirm = await client.postForm('/verify', { _csrf: csrfFromHtml(page.text), token });
    expect(confirm.status).toBe(303);
    checkoutUrl = confirm.location!;
    expect(checkoutUrl).toMatch(new RegExp(`^${h.stripe!.url}/checkout/cs_test_`));
    expect(client.hasCookie('cw_session')).toBe(true);
    expect((await h.ctx.db.tenants.getById(tenantId)).state).toBe('pending_payment');

    const create = h.stripe!.requests.find((r) => r.method === 'POST' && r.path === '/v1/checkout/sessions')!;
    const price = [...h.stripe!.store.prices.values()].find(
      (p) => p.lookup_key === PLANS.team.priceLookupKey,
    )!;
    expect(create.params).toMatchObject({
      mode: 'subscription',
      line_items: [{ price: price.id, quantity: '12' }],
      customer_email: 'Ada.Lovelace@example.com',
      client_reference_id: tenantId,
      metadata: { tenantId, correlationId: expect.any(String) },
      subscription_data: { metadata: { tenantId } },
    });
    expect(create.idempotencyKey).toContain(tenantId);
  });

  it('refuses the same link a second time with a clear page', async () => {
    const link = await h.magicLink('ada.lovelace@example.com');
    const again = await browser().get(link.replace(h.url, ''), { accept: 'text/html' });
    expect(again.status).toBe(200); // the signature is fine; using it is what fails
    const token = new URL(link).searchParams.get('token')!;
    const other = browser();
    const used = await other.postForm('/verify', { _csrf: csrfFromHtml(again.text), token });
    expect(used.status).toBe(403); // a different browser has no matching CSRF cookie
    const page = await other.get(link.replace(h.url, ''), { accept: 'text/html' });
    const reuse = await other.postForm('/verify', { _csrf: csrfFromHtml(page.text), token });
    expect(reuse.status).toBe(410);
    expect(reuse.text).toContain('This link has already been used');
  });

  it('moves to provisioning on the paid webhook and enqueues exactly one job, whatever the duplicates', async () => {
    const sessionId = checkoutUrl.split('/').at(-1)!;
    const { events } = h.stripe!.store.completeCheckout(sessionId);
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all(events.map((e) => h.emitter!.deliver(e)));
      expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    }
    const tenant = await h.ctx.db.tenants.getById(tenantId);
    expect(tenant.state).toBe('provisioning');
    expect(tenant.stripeCustomerId).toMatch(/^cus_/);
    expect(tenant.stripeSubscriptionId).toMatch(/^sub_/);
    const runs = await h.ctx.db.runs.listByTenant(tenantId);
    expect(runs).toHaveLength(1);
    const jobId = provisioningJobId(tenantId, runs[0]!.id, 'synthesize-infrastructure');
    const job = await h.queue.getJob(jobId);
    expect(job?.name).toBe('synthesize-infrastructure');
    expect(job?.data).toEqual({
      tenantId,
      slug: 'analytical-engines-ltd',
      runId: runs[0]!.id,
      goal: 'provision',
      step: 'synthesize-infrastructure',
      correlationId: tenant.correlationId,
    });
    expect(await h.queue.getJobCounts('waiting', 'delayed', 'active')).toEqual({
      waiting: 1,
      delayed: 0,
      active: 0,
    });
    const stored = await h.ctx.db.stripeEvents.listForTenant(tenantId);
    expect(stored.map((e) => e.deliveries)).toEqual([3, 3, 3]);
    expect((await h.ctx.db.lifecycle.history(tenantId)).map((e) => `${e.event}:${e.to}`)).toEqual([
      'created:pending_verification',
      'email_verified:pending_payment',
      'checkout_completed:provisioning',
    ]);
  });

  it('shows the status page with the steps and a billing portal link', async () => {
    const status = await client.get('/status', { accept: 'text/html' });
    expect(status.status).toBe(200);
    expect(status.text).toContain('Setting up your workspace');
    expect(status.text).toContain('Preparing cloud infrastructure');
    expect(status.text).toContain('Manage billing');
    const json = await client.get('/api/status');
    expect(json.json()).toMatchObject({
      tenant: { state: 'provisioning', url: null },
      billing: { canOpenPortal: true },
      run: { goal: 'provision', status: 'queued' },
    });
    client.csrf = csrfFromHtml(status.text);
    const portal = await client.postForm('/billing/portal', {});
    expect(portal.status).toBe(303);
    expect(portal.location).toMatch(/\/portal\/cus_/);
  });

  it('exposes webhook and tenant metrics', async () => {
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toMatch(
      /cw_stripe_webhook_events_total\{type="checkout.session.completed",outcome="applied"[^}]*\} 1/,
    );
    expect(metrics).toMatch(
      /cw_stripe_webhook_events_total\{type="checkout.session.completed",outcome="duplicate_delivery"[^}]*\} 2/,
    );
    expect(metrics).toMatch(/cw_tenants\{state="provisioning"[^}]*\} 1/);
    // Onboarding stage 1, once per tenant (duplicate deliveries are not a new checkout).
    expect(metrics).toMatch(/cw_onboarding_stage_seconds_count\{[^}]*stage="checkout_completed"\} 1/);
    expect(metrics).toMatch(
      /cw_http_request_duration_seconds_count\{[^}]*method="POST",route="\/webhooks\/stripe",status="200"\} 9/,
    );
  });
});
