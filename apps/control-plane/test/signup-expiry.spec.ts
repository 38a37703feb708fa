// Abandoned sign-ups expire (SIGNUP_EXPIRY, default 7d) through the deadline sweep, end to end with
// billing on: the organisation name can be signed up again, the old link is dead, the e-mail is
// gone from the database, and a checkout Stripe completes afterwards is recorded and ignored.
// Real PostgreSQL and Redis, the local Stripe-compatible server. A sign-up is made "old" by moving
// its last change back in the database.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL } from '@cw/db/testing';
import { EnforceBillingDeadlinesUseCase, createStripeClient, syncStripeCatalog } from '@cw/control-plane';
import { startHarness, type Harness } from './support/harness.js';
import { TestClient, csrfFromHtml } from './support/http-client.js';

let h: Harness;
let sql: pg.Client;
beforeAll(async () => {
  h = await startHarness('expiry', { billing: true });
  await syncStripeCatalog(createStripeClient({ secretKey: h.stripe!.secretKey, apiBase: h.stripe!.apiBase }));
  sql = new pg.Client({
    connectionString: TEST_DATABASE_URL,
    options: `-c search_path=${h.config.database.schema}`,
  });
  await sql.connect();
});
afterAll(async () => {
  await sql?.end();
  await h?.close();
});

const sweep = () => h.app.get(EnforceBillingDeadlinesUseCase).execute();
const age = (tenantId: string, days: number) =>
  sql.query(`update tenants set updated_at = now() - make_interval(days => $2) where id = $1`, [
    tenantId,
    days,
  ]);

async function postSignup(client: TestClient, organisationName: string, email: string) {
  await client.primeCsrf();
  return client.postJson('/api/signup', {
    organisationName,
    email,
    plan: 'team',
    seats: 5,
    cloud: 'gcp',
    region: 'europe-west1',
  });
}

async function signUp(client: TestClient, organisationName: string, email: string) {
  const res = await postSignup(client, organisationName, email);
  expect(res.status, res.text).toBe(201);
  return res.json<{ tenantId: string; slug: string }>();
}

/** Follows the newest magic link of `email` in `client`: GET (confirm page), then POST. */
async function followLink(client: TestClient, email: string) {
  const link = await h.magicLink(email);
  const page = await client.get(link.replace(h.url, ''), { accept: 'text/html' });
  const token = new URL(link).searchParams.get('token')!;
  return client.postForm('/verify', { _csrf: csrfFromHtml(page.text), token });
}

const slugCheck = async (name: string) =>
  (await new TestClient(h.url).get(`/api/slug?name=${encodeURIComponent(name)}`)).json<{
    slug: string;
    available: boolean;
  }>();

describe('sign-up expiry', () => {
  it('expires an unverified sign-up and gives its name to the next one', async () => {
    const first = new TestClient(h.url);
    const { tenantId, slug } = await signUp(first, 'Forgotten Widgets', 'Grace.Hopper@Example.com');
    expect(slug).toBe('forgotten-widgets');
    expect(await slugCheck('Forgotten Widgets')).toMatchObject({ slug, available: false });

    await sweep();
    expect((await h.ctx.db.tenants.getById(tenantId)).state).toBe('pending_verification'); // young
    await age(tenantId, 8);
    expect(await sweep()).toMatchObject({ expired: 1 });

    const old = await h.ctx.db.tenants.getById(tenantId);
    expect(old).toMatchObject({ state: 'deleted', adminEmail: null });
    expect(old.slugReleasedAt).toBeInstanceOf(Date);
    // The link mailed at sign-up is revoked (by now it would have expired anyway: links last 15 min).
    const used = await followLink(new TestClient(h.url), 'grace.hopper@example.com');
    expect(used.status).toBe(400);
    expect(used.text).toContain('This link was replaced');
    expect((await h.ctx.db.tenants.getById(tenantId)).state).toBe('deleted');
    // Nothing in the database holds the address any more.
    const tables = await sql.query<{ table_name: string }>(
      'select table_name from information_schema.tables where table_schema = $1',
      [h.config.database.schema],
    );
    for (const { table_name } of tables.rows) {
      const dump = await sql.query<{ rows: string | null }>(
        `select json_agg(t)::text as rows from "${table_name}" t`,
      );
      expect((dump.rows[0]?.rows ?? '').toLowerCase(), table_name).not.toContain('grace.hopper@example.com');
    }

    expect(await slugCheck('Forgotten Widgets')).toMatchObject({ slug, available: true });
    const second = await signUp(new TestClient(h.url), 'Forgotten Widgets', 'ada@example.com');
    expect(second.slug).toBe(slug);
    expect(second.tenantId).not.toBe(tenantId);
    expect(await slugCheck('Forgotten Widgets')).toMatchObject({ available: false });
    // …and still only one live tenant may hold it.
    expect((await postSignup(first, 'Forgotten Widgets', 'someone@example.com')).status).toBe(409);

    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toMatch(/cw_signups_expired_total\{from="pending_verification"[^}]*\} 1/);
    expect(metrics).toMatch(
      /cw_tenant_transitions_total\{event="signup_expired",from="pending_verification",to="deleted"[^}]*\} 1/,
    );
  });

  it('records and ignores a checkout Stripe completes after the unpaid sign-up expired', async () => {
    const customer = new TestClient(h.url);
    const { tenantId } = await signUp(customer, 'Late Payers', 'late@example.com');
    const verified = await followLink(customer, 'late@example.com');
    expect(verified.status).toBe(303);
    const sessionId = verified.location!.split('/').at(-1)!;
    expect(sessionId).toMatch(/^cs_test_/);

    await age(tenantId, 8);
    expect(await sweep()).toMatchObject({ expired: 1 });
    expect((await h.ctx.db.lifecycle.history(tenantId)).map((e) => `${e.event}:${e.to}`)).toEqual([
      'created:pending_verification',
      'email_verified:pending_payment',
      'signup_expired:deleted',
    ]);

    // The customer was still on Stripe's page and pays; Stripe tells us, twice.
    const { events } = h.stripe!.store.completeCheckout(sessionId);
    for (let round = 0; round < 2; round++)
      for (const event of events) expect((await h.emitter!.deliver(event)).status, event.type).toBe(200);

    const tenant = await h.ctx.db.tenants.getById(tenantId);
    expect(tenant).toMatchObject({ state: 'deleted', adminEmail: null, stripeSubscriptionId: null });
    expect(await h.ctx.db.runs.countByTenant(tenantId)).toBe(0);
    expect(await h.queue.getJobCounts('waiting', 'delayed', 'active')).toEqual({
      waiting: 0,
      delayed: 0,
      active: 0,
    });
    const stored = await h.ctx.db.stripeEvents.listForTenant(tenantId);
    const completed = stored.find((e) => e.type === 'checkout.session.completed')!;
    expect(completed).toMatchObject({ outcome: 'ignored', deliveries: 2 });
    expect(completed.processedAt).toBeInstanceOf(Date);
    expect(completed.error).toMatch(
      /^tenant is deleted: nothing provisioned; cancel and refund subscription sub_/,
    );
    const audit = await h.ctx.db.audit.list({ tenantId, action: 'billing.checkout-after-delete' });
    expect(audit).toEqual([
      expect.objectContaining({
        outcome: 'ignored',
        target: sessionId,
        details: expect.objectContaining({
          state: 'deleted',
          subscriptionId: expect.stringMatching(/^sub_/),
        }),
      }),
    ]);
    expect((await h.ctx.db.lifecycle.history(tenantId)).at(-1)?.event).toBe('signup_expired');

    // The customer's session still works and says what happened; checkout sends them nowhere.
    const status = await customer.get('/status', { accept: 'text/html' });
    expect(status.text).toContain('Sign-up expired');
    await customer.primeCsrf();
    const checkout = await customer.postJson('/billing/checkout', {});
    expect(checkout.status).toBe(201);
    expect(checkout.json()).toEqual({ url: `${h.url}/status` });
  });
});

describe('SIGNUP_EXPIRY=0', () => {
  let off: Harness;
  beforeAll(async () => {
    off = await startHarness('noexpiry', { env: { SIGNUP_EXPIRY: '0' } });
  });
  afterAll(async () => off?.close());

  it('keeps abandoned sign-ups', async () => {
    const { tenantId } = await signUp(new TestClient(off.url), 'Patient Co', 'patient@example.com');
    const db = new pg.Client({
      connectionString: TEST_DATABASE_URL,
      options: `-c search_path=${off.config.database.schema}`,
    });
    await db.connect();
    await db.query(`update tenants set updated_at = now() - interval '400 days'`).finally(() => db.end());
    expect(await off.app.get(EnforceBillingDeadlinesUseCase).execute()).toMatchObject({ expired: 0 });
    expect(await off.ctx.db.tenants.getById(tenantId)).toMatchObject({
      state: 'pending_verification',
      adminEmail: 'patient@example.com',
    });
  });
});
