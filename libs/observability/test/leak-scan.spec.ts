/**
 * No raw e-mail and no secret in anything the control plane writes: the real process (as in
 * production: SMTP mail with credentials, billing on, LOG_LEVEL=trace so every record is
 * written) is driven through sign-up → e-mail → verify → Stripe Checkout → webhooks, plus the
 * error paths that tend to echo input (bad sign-ups, forged and reused links, forged webhooks).
 * Then every byte of its stdout and stderr and its /metrics are searched for the e-mail, the
 * Stripe secret key, the webhook signing secret, the magic-link token, the session secret and
 * cookie, and the SMTP password, in every form they could take. Zero findings allowed.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  seedPlanCatalog,
  startStripeServer,
  WebhookEmitter,
  type StripeTestServer,
} from '@cw/testing/stripe';
import { describeLeaks, findLeaks, hashId } from '../src/index.js';
import { Browser } from './support/browser.js';
import {
  freePort,
  startControlPlaneProcess,
  type ControlPlaneProcess,
} from './support/control-plane-process.js';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.js';

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const run = randomBytes(4).toString('hex');
const secrets = {
  email: `Grace.Hopper+${run}@Navy-Example.org`,
  stripeSecretKey: `sk_test_LeakScan${run}Zq9w8e7r6t5y4u3i2o1p`,
  webhookSecret: `whsec_LeakScan${run}Xa1b2c3d4e5f6g7h8`,
  sessionSecret: randomBytes(36).toString('base64url'),
  smtpPassword: `smtp-Pa55-${run}-word`,
  magicLinkToken: '', // known once mailed
  sessionCookie: '',
};
const schema = `cw_leakscan_${run}`;
const prefix = `cwleak-${run}`;

let stripe: StripeTestServer;
let smtp: SmtpSink;
let cp: ControlPlaneProcess;
let metricsText = '';

beforeAll(async () => {
  const port = await freePort();
  smtp = await startSmtpSink();
  stripe = await startStripeServer({
    secretKey: secrets.stripeSecretKey,
    webhook: { url: `http://127.0.0.1:${port}/webhooks/stripe`, secret: secrets.webhookSecret },
  });
  seedPlanCatalog(stripe); // as tools/stripe-bootstrap would create it
  cp = await startControlPlaneProcess(port, {
    NODE_ENV: 'production',
    LOG_LEVEL: 'trace',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL,
    DATABASE_SCHEMA: schema,
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    SESSION_SECRET: secrets.sessionSecret,
    STRIPE_SECRET_KEY: secrets.stripeSecretKey,
    STRIPE_WEBHOOK_SECRET: secrets.webhookSecret,
    STRIPE_API_BASE: stripe.apiBase,
    MAIL_TRANSPORT: 'smtp',
    SMTP_URL: `smtp://mailer:${encodeURIComponent(secrets.smtpPassword)}@127.0.0.1:${smtp.port}`,
    MAIL_FROM: 'ContextWeaver <no-reply@localtest.me>',
    SWEEP_INTERVAL: '0',
  });
}, 90_000);

afterAll(async () => {
  await cp?.stop();
  await stripe?.close();
  await smtp?.close();
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  await client.query(`drop schema if exists "${schema}" cascade`).finally(() => client.end());
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

async function mailTo(address: string, timeoutMs = 15_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const mail = smtp.mails.find((m) => m.to.some((t) => t.toLowerCase() === address.toLowerCase()));
    if (mail) return mail.data;
    if (Date.now() > until) throw new Error('no mail arrived');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('leak scan: control plane', () => {
  it('drives sign-up → verify → checkout → webhooks, error paths included', async () => {
    const browser = new Browser(cp.url);
    await browser.primeCsrf();
    // Error paths that see the e-mail or token-like input first.
    expect(
      (
        await browser.request('POST', '/api/signup', {
          json: {
            organisationName: 'x',
            email: `${secrets.email}x@@`,
            plan: 'team',
            seats: 5,
            cloud: 'aws',
            region: 'eu-west-1',
          },
        })
      ).status,
    ).toBe(400);
    expect(
      (await browser.request('POST', '/api/signup', { json: `{"email":"${secrets.email}", "broken` })).status,
    ).toBe(400);
    expect(
      (await browser.request('POST', '/api/signup', { form: { organisationName: '', email: secrets.email } }))
        .status,
    ).toBeGreaterThanOrEqual(400);
    expect(
      (await browser.request('GET', `/api/slug?slug=${encodeURIComponent(secrets.email)}`)).status,
    ).toBeLessThan(500);

    const signup = await browser.request('POST', '/api/signup', {
      json: {
        organisationName: `Leak Scan ${run}`,
        email: secrets.email,
        plan: 'team',
        seats: 7,
        cloud: 'aws',
        region: 'eu-west-1',
      },
    });
    expect(signup.status, signup.text).toBe(201);
    const mail = await mailTo(secrets.email);
    const link = /https?:\/\/\S+\/verify\?token=[A-Za-z0-9._-]+/.exec(mail)?.[0];
    expect(link).toBeTruthy();
    secrets.magicLinkToken = new URL(link!).searchParams.get('token')!;
    expect(smtp.logins.some((l) => l.includes(secrets.smtpPassword))).toBe(true);

    // A forged token of the right shape, then the real link.
    const forged = `${secrets.magicLinkToken.slice(0, -4)}AAAA`;
    expect(
      (await browser.request('GET', `/verify?token=${forged}`, { headers: { accept: 'text/html' } })).status,
    ).toBeLessThan(500);
    const page = await browser.request('GET', `/verify?token=${secrets.magicLinkToken}`, {
      headers: { accept: 'text/html' },
    });
    expect(page.status).toBe(200);
    browser.csrfFrom(page.text);
    const confirm = await browser.request('POST', '/verify', {
      form: { token: secrets.magicLinkToken },
      headers: { accept: 'text/html' },
    });
    expect(confirm.status, confirm.text.slice(0, 300)).toBe(303);
    secrets.sessionCookie = browser.cookies.get('cw_session') ?? '';
    expect(secrets.sessionCookie).not.toBe('');
    // The used link again: 410, logged as such.
    browser.csrfFrom(page.text);
    expect(
      (
        await browser.request('POST', '/verify', {
          form: { token: secrets.magicLinkToken },
          headers: { accept: 'text/html' },
        })
      ).status,
    ).toBe(410);

    // Pay on the hosted checkout page: the Stripe server delivers the signed webhooks.
    const checkout = confirm.location!;
    expect(checkout.startsWith(stripe.url)).toBe(true);
    expect((await fetch(checkout, { method: 'POST', redirect: 'manual' })).status).toBe(303);
    expect(stripe.hostedEvents.length).toBeGreaterThan(0);
    // Duplicates, and forged deliveries.
    const emitter = new WebhookEmitter(secrets.webhookSecret, `${cp.url}/webhooks/stripe`);
    for (const event of stripe.hostedEvents) {
      expect((await emitter.deliver(event)).status).toBe(200);
      for (const bad of ['wrong-secret', 'tampered', 'stale', 'missing'] as const)
        expect((await emitter.deliver(event, { bad })).status).toBe(400);
    }
    const status = await browser.request('GET', '/api/status');
    expect(status.status).toBe(200);
    expect(status.text).toContain('provisioning');
    const metrics = await fetch(`${cp.url}/metrics`);
    metricsText = await metrics.text();
    expect(metricsText).toContain('cw_stripe_webhook_events_total');
  }, 60_000);

  it('wrote no raw e-mail and no secret to stdout, stderr or /metrics', async () => {
    await cp.stop(); // flushes pino's asynchronous stdout
    const output = cp.output();
    expect(output.length).toBeGreaterThan(2_000); // trace level: the journey was logged
    expect(output).toContain(hashId(secrets.email)); // pseudonymised, still correlatable
    const leaks = [
      ...findLeaks(output, secrets, 'stdout+stderr'),
      ...findLeaks(metricsText, secrets, '/metrics'),
    ];
    expect(leaks, describeLeaks(leaks)).toEqual([]);
    const lines = output.split('\n').filter((l) => l.startsWith('{'));
    console.log(
      `leak scan: ${lines.length} log lines, ${metricsText.split('\n').length} metric lines, ${Object.keys(secrets).length} secrets, 0 leaks`,
    );
  }, 30_000);
});
