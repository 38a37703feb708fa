// Billing off (no STRIPE_SECRET_KEY): the plain-HTML journey without JavaScript — form post,
// check-e-mail page, magic link, straight to provisioning on a trial — plus the protections of
// the form (CSRF, honeypot, rate limits, resend) and the health endpoints.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisioningJobId } from '@cw/tenant-model';
import { readOutbox } from '@cw/mail';
import { startHarness, type Harness } from './support/harness.js';
import { TestClient, csrfFromHtml } from './support/http-client.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('trial', {
    env: {
      TRUST_PROXY: 'loopback',
      RATE_LIMIT_SIGNUP_PER_IP: '25',
      RATE_LIMIT_SIGNUP_PER_EMAIL: '3',
      RATE_LIMIT_RESEND_PER_EMAIL: '2',
    },
  });
});
afterAll(async () => h?.close());

const form = (overrides: Record<string, string> = {}) => ({
  organisationName: 'Trial Co',
  slug: '',
  email: 'owner@trial.example',
  plan: 'starter',
  seats: '3',
  cloud: 'local',
  region: 'local',
  isolation: 'shared',
  website: '',
  ...overrides,
});

async function browser(ip: string): Promise<TestClient> {
  const client = new TestClient(h.url, ip);
  const page = await client.get('/', { accept: 'text/html' });
  client.csrf = csrfFromHtml(page.text);
  return client;
}

describe('trial sign-up without JavaScript', () => {
  it('shows that billing is off on the sign-up page', async () => {
    const page = await new TestClient(h.url).get('/', { accept: 'text/html' });
    expect(page.status).toBe(200);
    expect(page.text).toContain('Billing is not enabled on this installation');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('goes from form post to provisioning on a trial', async () => {
    const client = await browser('10.0.0.1');
    const posted = await client.postForm('/api/signup', form());
    expect(posted.status).toBe(303);
    expect(posted.location).toBe('/check-email?slug=trial-co');
    const check = await client.get(posted.location!, { accept: 'text/html' });
    expect(check.text).toContain('Check your e-mail');

    const link = await h.magicLink('owner@trial.example');
    const confirm = await client.get(link.replace(h.url, ''), { accept: 'text/html' });
    const verified = await client.postForm('/verify', {
      _csrf: csrfFromHtml(confirm.text),
      token: new URL(link).searchParams.get('token')!,
    });
    expect(verified.status).toBe(303);
    expect(verified.location).toBe('/status');

    const tenant = (await h.ctx.db.tenants.findBySlug('trial-co'))!;
    expect(tenant).toMatchObject({ state: 'provisioning', billingMode: 'trial' });
    const history = await h.ctx.db.lifecycle.history(tenant.id);
    expect(history.map((e) => e.event)).toEqual(['created', 'trial_started']);
    expect(history[1]!.details).toEqual({ trialDays: 14 });
    const [run] = await h.ctx.db.runs.listByTenant(tenant.id);
    expect(
      await h.queue.getJob(provisioningJobId(tenant.id, run!.id, 'synthesize-infrastructure')),
    ).toBeTruthy();

    const status = await client.get('/status', { accept: 'text/html' });
    expect(status.text).toContain('14-day trial');
    expect(status.text).not.toContain('Manage billing');
    expect(status.text).toContain('<noscript><meta http-equiv="refresh"');
    // The next onboarding step is one click away: connecting the customer's identity provider.
    expect(status.text).toContain(
      `<a id="identity-link" href="/status/identity?tenant=${tenant.id}">Connect your identity provider</a>`,
    );
    expect((await client.get(`/status/identity?tenant=${tenant.id}`, { accept: 'text/html' })).status).toBe(
      200,
    );
    const audit = await h.ctx.db.audit.list({ tenantId: tenant.id });
    expect(audit.map((a) => a.action).sort()).toEqual(['tenant.signup', 'tenant.verify-email']);
    // The audit log holds pseudonyms, not addresses.
    expect(JSON.stringify(audit)).not.toContain('owner@trial.example');
  });

  it('streams status changes as server-sent events', async () => {
    const client = await browser('10.0.0.9');
    await client.postForm(
      '/api/signup',
      form({ organisationName: 'Stream Co', email: 'stream@trial.example' }),
    );
    const link = await h.magicLink('stream@trial.example');
    const confirm = await client.get(link.replace(h.url, ''), { accept: 'text/html' });
    await client.postForm('/verify', {
      _csrf: csrfFromHtml(confirm.text),
      token: new URL(link).searchParams.get('token')!,
    });
    const controller = new AbortController();
    const response = await fetch(`${h.url}/status/events`, {
      headers: { cookie: client.cookieHeader() },
      signal: controller.signal,
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.getReader();
    const { value } = await reader.read();
    const chunk = new TextDecoder().decode(value);
    expect(chunk).toContain('event: status');
    expect(chunk).toContain('Setting up your workspace');
    controller.abort();
  });

  it('refuses a post without the CSRF token and writes nothing', async () => {
    const before = await h.ctx.db.tenants.countByState();
    const client = new TestClient(h.url, '10.0.0.2');
    const res = await client.request('POST', '/api/signup', {
      form: form({ organisationName: 'No Csrf' }),
      headers: { accept: 'application/json' },
    });
    expect(res.status).toBe(403);
    expect(res.json()).toMatchObject({ error: { code: 'csrf_failed', fields: [{ path: '_csrf' }] } });
    expect(await h.ctx.db.tenants.countByState()).toEqual(before);
  });

  it('pretends success to bots that fill the honeypot, and writes nothing', async () => {
    const client = await browser('10.0.0.3');
    const res = await client.postForm(
      '/api/signup',
      form({ organisationName: 'Bot Inc', email: 'bot@spam.example', website: 'http://spam.example' }),
    );
    expect(res.status).toBe(303);
    expect(await h.ctx.db.tenants.findBySlug('bot-inc')).toBeUndefined();
    expect(await readOutbox(h.outbox, { to: 'bot@spam.example' })).toEqual([]);
  });

  it('re-renders the form with errors next to the fields, keeping what was typed', async () => {
    const client = await browser('10.0.0.4');
    const res = await client.postForm(
      '/api/signup',
      form({ organisationName: 'Keep Me <b>', slug: 'admin', email: 'nope', seats: 'lots' }),
    );
    expect(res.status).toBe(400);
    expect(res.text).toContain('There is a problem');
    expect(res.text).toMatch(/id="slug-error"[^>]*>.*reserved/s);
    expect(res.text).toMatch(/id="email"[^>]*aria-invalid="true"/);
    expect(res.text).toMatch(/id="seats-error"/);
    expect(res.text).toContain('value="Keep Me &lt;b&gt;"');
    expect(res.text).not.toContain('<b>"');
  });

  it('rate-limits sign-ups per e-mail and per IP', async () => {
    const client = await browser('10.0.0.5');
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push(
        (
          await client.postForm(
            '/api/signup',
            form({ organisationName: `Limited ${i}`, email: 'limited@trial.example' }),
          )
        ).status,
      );
    }
    expect(statuses).toEqual([303, 303, 303, 429]);
    const json = new TestClient(h.url, '10.0.0.6');
    await json.primeCsrf();
    let last = 0;
    for (let i = 0; i < 26; i++)
      last = (await json.postJson('/api/signup', { organisationName: 'x' })).status;
    expect(last).toBe(429);
    const limited = await json.postJson('/api/signup', {});
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(limited.json()).toMatchObject({ error: { code: 'rate_limited' } });
  });

  it('resends links without saying whether the address is known, rate-limited', async () => {
    const client = await browser('10.0.0.7');
    const known = await client.postForm('/api/signup/resend', { email: 'owner@trial.example' });
    expect(known.status).toBe(303);
    expect(known.location).toBe('/check-email?resent=1');
    const mails = await readOutbox(h.outbox, { to: 'owner@trial.example' });
    expect(mails.at(-1)?.tag).toBe('sign-in');
    const api = new TestClient(h.url, '10.0.0.8');
    await api.primeCsrf();
    const unknown = await api.postJson('/api/signup/resend', { email: 'nobody@trial.example' });
    expect(unknown.status).toBe(202);
    expect(unknown.json()).toEqual({ emailHint: 'n***@trial.example' });
    await api.postJson('/api/signup/resend', { email: 'nobody@trial.example' });
    expect((await api.postJson('/api/signup/resend', { email: 'nobody@trial.example' })).status).toBe(429);
  });

  it('signs in again with the resent link (a sign-in link, not a second verification)', async () => {
    const link = (await readOutbox(h.outbox, { to: 'owner@trial.example' })).at(-1)!.links[0]!;
    const client = new TestClient(h.url, '10.0.0.10');
    const confirm = await client.get(link.replace(h.url, ''), { accept: 'text/html' });
    const res = await client.postForm('/verify', {
      _csrf: csrfFromHtml(confirm.text),
      token: new URL(link).searchParams.get('token')!,
    });
    expect(res.location).toBe('/status');
    expect((await client.get('/api/status')).json()).toMatchObject({
      tenant: { slug: 'trial-co', state: 'provisioning' },
    });
    expect(
      await h.ctx.db.lifecycle.history((await h.ctx.db.tenants.findBySlug('trial-co'))!.id),
    ).toHaveLength(2);
    // Billing is off: its endpoints say so.
    client.csrf =
      csrfFromHtml((await client.get('/status', { accept: 'text/html' })).text) || (await client.primeCsrf());
    const checkout = await client.request('POST', '/billing/checkout', {
      json: {},
      headers: { 'x-csrf-token': client.csrf, accept: 'application/json' },
    });
    expect(checkout.status).toBe(404);
    expect(checkout.json()).toMatchObject({ error: { code: 'billing_disabled' } });
    const webhook = await fetch(`${h.url}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(webhook.status).toBe(404);
  });
});

describe('health', () => {
  it('answers liveness, readiness and metrics', async () => {
    expect(await (await fetch(`${h.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${h.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'ok', redis: 'ok' } });
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toContain('cw_tenants{state="provisioning"');
    expect(metrics).toContain('cw_http_request_duration_seconds_bucket');
  });

  it('asks for sign-in on the status page without a session', async () => {
    const res = await new TestClient(h.url).get('/status', { accept: 'text/html' });
    expect(res.status).toBe(401);
    expect(res.text).toContain('Sign in to see your workspace');
    const api = await new TestClient(h.url).get('/api/status');
    expect(api.json()).toMatchObject({
      error: { code: 'not_authenticated' },
      correlationId: expect.any(String),
    });
  });
});
