/**
 * The customer journey across the whole platform, in one process tree: the control plane,
 * the provisioner and the tenant operator as child processes (as `npm start` runs them), real
 * Redis and PostgreSQL, the Stripe-compatible server (webhooks signed with Stripe's code), and
 * the real Kubernetes control plane of tools/kube-local with its emulated node.
 *
 * sign-up → verify → checkout → webhook → pipeline → Tenant applied → operator reconciles →
 * deployments ready → tenant `active` with its URL on the status page → welcome e-mail; then a
 * plan change, a suspension (payment failed past grace), a resume (invoice paid), and a
 * cancellation → offboarding → namespace gone, tenant `deleted`.
 *
 * Leak scan: the three processes log at trace level; at the end every byte they wrote, their
 * /metrics, the Kubernetes objects of the tenant (Tenant, everything in its namespace), the
 * provisioner's rendered artifacts and every row of the database are searched for the raw
 * e-mail and the secrets of the journey (Stripe key, webhook secret, session secret, magic-link
 * token, session cookie) in every form they could take. Zero findings allowed. (The database
 * holds the customer's e-mail by design, hashed tokens only; it is scanned for the secrets.)
 * The operator runs as its ServiceAccount with the install manifests' RBAC, as deployed.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readOutbox } from '@cw/mail';
import { describeLeaks, findLeaks, hashId, type Leak } from '@cw/observability';
import { PLANS, suggestSlug, tenantNamespace, type Tenant } from '@cw/tenant-model';
import { eventually } from './support/processes.js';
import {
  dumpSchema,
  filesUnder,
  signUpAndPay,
  startPlatform,
  waitFor,
  type Platform,
} from './support/platform.js';

// Unique per run: the test cluster is shared by every project of the run, and this journey's
// operator reconciles only this tenant (TENANT_LABEL_SELECTOR).
const ORGANISATION = `Mark One ${randomBytes(3).toString('hex')}`;
const SLUG = suggestSlug(ORGANISATION);
/** Kubernetes objects of the tenant, as JSON, captured while it is active. */
const manifests: string[] = [];
const metricsTexts: Array<{ source: string; text: string }> = [];

let p: Platform;

beforeAll(async () => {
  p = await startPlatform({ slug: SLUG, name: 'journey' });
}, 180_000);

afterAll(async () => {
  await p?.close();
});

describe('the customer journey', () => {
  let tenantId: string;
  let slug: string;
  let subscriptionId: string;

  const tenantInCluster = () => p.kube.getTenant(slug);
  const state = async () => (await p.db.tenants.getById(tenantId)).state;

  it('signs up, verifies by e-mail and pays: the tenant becomes active, its URL on the status page, one welcome e-mail', async () => {
    const signedUp = await signUpAndPay(p, { organisation: ORGANISATION, plan: 'team', seats: 5 });
    ({ tenantId, slug, subscriptionId } = signedUp);
    const { customer, correlationId } = signedUp;
    expect(slug).toBe(SLUG);

    const status = await customer.get('/api/status');
    expect(status.json()).toMatchObject({ tenant: { state: 'active', url: `https://${slug}.localtest.me` } });
    const page2 = await customer.get('/status', 'text/html');
    expect(page2.text).toContain(`https://${slug}.localtest.me`);

    const welcome = await readOutbox(p.outbox, { to: p.secrets.email, tag: 'welcome' });
    expect(welcome).toHaveLength(1);
    expect(welcome[0]!.links).toContain(`https://${slug}.localtest.me`);

    const run = (await p.db.runs.latestForTenant(tenantId))!;
    expect(run).toMatchObject({ goal: 'provision', status: 'succeeded', correlationId });
    expect(run.steps.map((s) => `${s.step}:${s.status}`)).toEqual([
      'synthesize-infrastructure:skipped',
      'apply-infrastructure:skipped',
      'render-tenant:succeeded',
      'apply-tenant:succeeded',
      'await-ready:succeeded',
      'notify:succeeded',
    ]);

    // The tenant's Kubernetes objects as they are now, for the leak scan.
    manifests.push(JSON.stringify(await tenantInCluster()));
    for (const [apiVersion, kind] of [
      ['v1', 'ConfigMap'],
      ['v1', 'Pod'],
      ['v1', 'Service'],
      ['v1', 'ServiceAccount'],
      ['apps/v1', 'Deployment'],
      ['networking.k8s.io/v1', 'NetworkPolicy'],
    ] as const) {
      const list = await p.kube.list<Record<string, unknown>>(apiVersion, kind, {
        namespace: tenantNamespace(slug),
      });
      for (const item of list.items) manifests.push(JSON.stringify(item));
    }
    expect(manifests.length).toBeGreaterThan(5);
  });

  it('changes plan in Stripe: the Tenant follows', async () => {
    await p.deliver(
      p.stripe.store.updateSubscription(subscriptionId, {
        lookupKey: PLANS.enterprise.priceLookupKey,
        quantity: 25,
      }),
    );
    const updated = await eventually(
      async () => {
        const t = await tenantInCluster();
        return t?.spec.plan === 'enterprise' && t.spec.seats === 25 && t;
      },
      'the Tenant on the enterprise plan',
      60_000,
    );
    expect((updated as Tenant).spec.plan).toBe('enterprise');
    await eventually(
      async () => (await p.db.runs.latestForTenant(tenantId))?.status === 'succeeded',
      'the update run to finish',
      60_000,
    );
    expect(await state()).toBe('active');
  });

  it('suspends when payment fails past the grace period, and resumes when the invoice is paid', async () => {
    await p.deliver(p.stripe.store.failPayment(subscriptionId));
    await eventually(async () => (await state()) === 'suspended', 'the tenant to be suspended', 30_000);
    await eventually(
      async () => (await tenantInCluster())?.spec.suspended === true,
      'the Tenant suspended',
      30_000,
    );
    await eventually(() => p.deploymentsReady(slug, 'zero'), 'the deployments scaled to zero', 60_000);

    await p.deliver(p.stripe.store.payInvoice(subscriptionId));
    await eventually(async () => (await state()) === 'active', 'the tenant to be active again', 30_000);
    await eventually(
      async () => (await tenantInCluster())?.spec.suspended === false,
      'the Tenant resumed',
      30_000,
    );
    await eventually(() => p.deploymentsReady(slug, 'up'), 'the deployments ready again', 90_000);
    await eventually(
      async () => (await p.db.runs.latestForTenant(tenantId))?.status === 'succeeded',
      'the resume run to finish',
      60_000,
    );
  });

  it('offboards after cancellation: the namespace is gone and the tenant deleted', async () => {
    await p.deliver(p.stripe.store.cancelSubscription(subscriptionId));
    await waitFor(p, async () => (await state()) === 'deleted', 'the tenant to be deleted', 120_000);
    expect(await tenantInCluster()).toBeUndefined();
    await eventually(() => p.namespaceGone(slug), 'the namespace to be gone', 60_000);
    const events = (await p.db.lifecycle.history(tenantId)).map((e) => e.event);
    expect(events).toEqual(
      expect.arrayContaining([
        'checkout_completed',
        'provisioning_succeeded',
        'plan_changed',
        'grace_period_expired',
        'invoice_paid',
        'offboard_started',
        'offboarding_completed',
      ]),
    );
    expect(await readOutbox(p.outbox, { to: p.secrets.email, tag: 'welcome' })).toHaveLength(1);
  });

  it('leaked no raw e-mail and no secret: logs of all three processes, /metrics, manifests, artifacts, database', async () => {
    const { secrets } = p;
    for (const { name, url: metricsUrl } of p.metricsUrls) {
      const response = await fetch(metricsUrl);
      expect(response.status, `${name} /metrics`).toBe(200);
      metricsTexts.push({ source: `${name} /metrics`, text: await response.text() });
    }
    await Promise.all(p.processes.map((proc) => proc.stop())); // flushes pino's asynchronous stdout
    const leaks: Leak[] = [];
    const perProcess: string[] = [];
    for (const proc of p.processes) {
      const output = proc.output();
      const lines = output.split('\n').filter((l) => l.startsWith('{'));
      const levels = new Set(lines.map((l) => /"level":(\d+)/.exec(l)?.[1]));
      perProcess.push(`${proc.name} ${lines.length} (levels ${[...levels].sort().join('/')})`);
      expect(lines.length, `${proc.name} logged at trace level`).toBeGreaterThan(10);
      leaks.push(...findLeaks(output, secrets, `${proc.name} stdout+stderr`));
    }
    // The customer's e-mail is pseudonymised in logs, still correlatable.
    expect(p.processes.find((proc) => proc.name === 'control-plane')!.output()).toContain(
      hashId(secrets.email),
    );
    for (const m of metricsTexts) leaks.push(...findLeaks(m.text, secrets, m.source));
    for (const manifest of manifests) leaks.push(...findLeaks(manifest, secrets, 'tenant manifests'));

    const artifacts = await filesUnder(join(p.workDir, 'tenants'));
    expect(artifacts.length, 'rendered artifacts').toBeGreaterThan(0);
    for (const path of artifacts)
      leaks.push(...findLeaks(await readFile(path, 'utf8'), secrets, path.slice(p.workDir.length)));

    // The database holds the customer's e-mail by design (scanned for the other secrets only).
    const rows = await dumpSchema(p.schema);
    for (const [table, text] of Object.entries(rows))
      leaks.push(...findLeaks(text, { ...secrets, email: '' }, `database ${table}`));

    expect(leaks, describeLeaks(leaks)).toEqual([]);
    const metricLines = metricsTexts.reduce((n, m) => n + m.text.split('\n').length, 0);
    console.log(
      `journey leak scan: log lines ${perProcess.join(', ')}; ${metricLines} metric lines, ${manifests.length} Kubernetes objects, ${artifacts.length} artifacts, ${Object.keys(rows).length} tables, ${Object.keys(secrets).length} secrets, 0 leaks`,
    );
  }, 60_000);
});
