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
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStripeClient, syncStripeCatalog } from '@cw/control-plane';
import { openDatabase, type Database } from '@cw/db';
import { TEST_DATABASE_URL, uniqueSchemaName } from '@cw/db/testing';
import { KubeClient } from '@cw/k8s-client';
import { readOutbox } from '@cw/mail';
import { describeLeaks, findLeaks, hashId, type Leak } from '@cw/observability';
import {
  startStripeServer,
  WebhookEmitter,
  type StripeEventObject,
  type StripeTestServer,
} from '@cw/testing/stripe';
import { installOperatorIdentity, testKubeconfigPath } from '@cw/testing/kube';
import {
  ANNOTATION_CORRELATION_ID,
  LABEL_TENANT,
  PLANS,
  suggestSlug,
  tenantNamespace,
  type Tenant,
} from '@cw/tenant-model';
import { Browser, csrfFromHtml } from './support/browser.js';
import { eventually, freePort, startProcess, type PlatformProcess } from './support/processes.js';

const RUN = randomBytes(4).toString('hex');
const WEBHOOK_SECRET = `whsec_Journey${RUN}Wq8e7r6t5y4u3i`;
const STRIPE_SECRET_KEY = `sk_test_Journey${RUN}Zq9w8e7r6t5y4u3i2o1p`;
const SESSION_SECRET = randomBytes(36).toString('base64url');
// Mixed case and a plus tag: a redactor that only handles the plain lower-case form would miss it.
const EMAIL = `Grace.Hopper+${RUN}@Example.com`;
/** What must appear nowhere; the token and cookie are filled in once known. */
const secrets = {
  email: EMAIL,
  stripeSecretKey: STRIPE_SECRET_KEY,
  webhookSecret: WEBHOOK_SECRET,
  sessionSecret: SESSION_SECRET,
  magicLinkToken: '',
  sessionCookie: '',
};
/** The database holds the customer's e-mail by design (scanned for the other secrets only). */
const secretsButEmail = () => ({ ...secrets, email: '' });
/** Kubernetes objects of the tenant, as JSON, captured while it is active. */
const manifests: string[] = [];
const metricsTexts: Array<{ source: string; text: string }> = [];
const metricsUrls: Array<{ name: string; url: string }> = [];
// Unique per run: the test cluster is shared by every project of the run, and this journey's
// operator reconciles only this tenant (TENANT_LABEL_SELECTOR).
const ORGANISATION = `Mark One ${randomBytes(3).toString('hex')}`;
const SLUG = suggestSlug(ORGANISATION);

let stripe: StripeTestServer;
let emitter: WebhookEmitter;
let db: Database;
let kube: KubeClient;
let outbox: string;
let workDir: string;
let url: string;
let schema: string;
const processes: PlatformProcess[] = [];

beforeAll(async () => {
  const kubeconfig = testKubeconfigPath();
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  workDir = await mkdtemp(join(tmpdir(), 'cw-journey-'));
  outbox = join(workDir, 'outbox');
  stripe = await startStripeServer({
    secretKey: STRIPE_SECRET_KEY,
    webhook: { url: `${url}/webhooks/stripe`, secret: WEBHOOK_SECRET },
  });
  emitter = new WebhookEmitter(WEBHOOK_SECRET, `${url}/webhooks/stripe`);
  await syncStripeCatalog(createStripeClient({ secretKey: stripe.secretKey, apiBase: stripe.apiBase }));
  schema = uniqueSchemaName('journey');
  db = await openDatabase({ url: TEST_DATABASE_URL, schema, poolSize: 4 });
  kube = KubeClient.fromKubeconfig(kubeconfig);
  const operatorKubeconfig = await installOperatorIdentity(kubeconfig);
  const [operatorMetrics, provisionerMetrics] = [await freePort(), await freePort()];
  metricsUrls.push(
    { name: 'control-plane', url: `${url}/metrics` },
    { name: 'tenant-operator', url: `http://127.0.0.1:${operatorMetrics}/metrics` },
    { name: 'provisioner', url: `http://127.0.0.1:${provisionerMetrics}/metrics` },
  );

  const shared = {
    PATH: process.env.PATH,
    NODE_ENV: 'test',
    LOG_LEVEL: 'trace',
    KUBECONFIG: kubeconfig,
    DATABASE_URL: TEST_DATABASE_URL,
    DATABASE_SCHEMA: schema,
    REDIS_URL: 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: `cwjourney-${randomBytes(4).toString('hex')}`,
    MAIL_OUTBOX_DIR: outbox,
    ARTIFACTS_DIR: join(workDir, 'tenants'),
  };
  // The three processes start side by side; the database schema is migrated by whichever is first.
  const started = await Promise.allSettled([
    startProcess(
      'operator',
      'operators/tenant-operator/src/main.ts',
      {
        ...shared,
        KUBECONFIG: operatorKubeconfig,
        POD_NAMESPACE: 'cw-system',
        METRICS_PORT: String(operatorMetrics),
        METRICS_HOST: '127.0.0.1',
        LEADER_ELECTION: 'false',
        RESYNC_PERIOD_SECONDS: '30',
        TENANT_LABEL_SELECTOR: `${LABEL_TENANT}=${SLUG}`,
      },
      /tenant-operator started/,
    ),
    startProcess(
      'control-plane',
      'apps/control-plane/src/main.ts',
      {
        ...shared,
        PORT: String(port),
        PUBLIC_URL: url,
        SESSION_SECRET,
        STRIPE_SECRET_KEY: stripe.secretKey,
        STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
        STRIPE_API_BASE: stripe.apiBase,
        PAYMENT_GRACE_PERIOD: '2s',
        OFFBOARD_GRACE_PERIOD: '2s',
        SWEEP_INTERVAL: '1s',
        RATE_LIMIT_SIGNUP_PER_IP: '1000',
      },
      /control plane listening/,
    ),
    startProcess(
      'provisioner',
      'apps/provisioner/src/main.ts',
      {
        ...shared,
        METRICS_PORT: String(provisionerMetrics),
        AWAIT_READY_TIMEOUT_MS: '90000',
        OFFBOARD_TIMEOUT_MS: '90000',
      },
      /"provisioner ready"/,
    ),
  ]);
  for (const s of started) if (s.status === 'fulfilled') processes.push(s.value);
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
}, 180_000);

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop()));
  await stripe?.close();
  await db?.dropSchema().catch(() => undefined);
  await db?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/** Every row of every table of the schema, as JSON text per table. */
async function dumpSchema(name: string): Promise<Record<string, string>> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    const tables = await client.query<{ table_name: string }>(
      `select table_name from information_schema.tables where table_schema = $1 and table_type = 'BASE TABLE'`,
      [name],
    );
    const out: Record<string, string> = {};
    for (const { table_name } of tables.rows) {
      const rows = await client.query(`select * from "${name}"."${table_name}"`);
      out[table_name] = JSON.stringify(rows.rows);
    }
    return out;
  } finally {
    await client.end();
  }
}

const deliver = async (...events: StripeEventObject[]) => {
  for (const event of events)
    expect((await emitter.deliver(event)).status, `webhook ${event.type}`).toBe(200);
};
const whyNot = () =>
  processes
    .map(
      (p) =>
        `--- ${p.name}\n${p
          .output()
          .split('\n')
          .filter((l) => /"level":[456]0|rror/.test(l))
          .slice(-15)
          .join('\n')}`,
    )
    .join('\n');

describe('the customer journey', () => {
  const browser = () => new Browser(url);
  let customer: Browser;
  let tenantId: string;
  let slug: string;
  let subscriptionId: string;

  const tenantInCluster = () => kube.getTenant(slug);
  const deploymentsReady = async (replicas: 'up' | 'zero') => {
    const list = await kube.list<{
      metadata: { name: string };
      spec: { replicas?: number };
      status?: { readyReplicas?: number };
    }>('apps/v1', 'Deployment', { namespace: tenantNamespace(slug) });
    if (list.items.length === 0) return false;
    return list.items.every((d) =>
      replicas === 'zero'
        ? d.spec.replicas === 0
        : (d.spec.replicas ?? 0) > 0 && d.status?.readyReplicas === d.spec.replicas,
    );
  };
  const state = async () => (await db.tenants.getById(tenantId)).state;

  it('signs up, verifies by e-mail and pays: the tenant becomes active, its URL on the status page, one welcome e-mail', async () => {
    customer = browser();
    await customer.primeCsrf();
    const signup = await customer.request('POST', '/api/signup', {
      json: {
        organisationName: ORGANISATION,
        email: EMAIL,
        plan: 'team',
        seats: 5,
        cloud: 'local',
        region: 'local',
      },
    });
    expect(signup.status, signup.text).toBe(201);
    ({ tenantId, slug } = signup.json<{ tenantId: string; slug: string }>());
    expect(slug).toBe(SLUG);

    const link = (await readOutbox(outbox, { to: EMAIL })).at(-1)!.links[0]!;
    secrets.magicLinkToken = new URL(link).searchParams.get('token')!;
    const page = await customer.get(link.replace(url, ''), 'text/html');
    customer.csrf = csrfFromHtml(page.text);
    const confirm = await customer.request('POST', '/verify', {
      form: { token: new URL(link).searchParams.get('token')! },
      accept: 'text/html',
    });
    expect(confirm.status, confirm.text).toBe(303);
    const sessionId = confirm.location!.split('/').at(-1)!;
    secrets.sessionCookie = customer.cookies.get('cw_session') ?? '';
    expect(secrets.sessionCookie, 'session cookie').not.toBe('');

    const paid = stripe.store.completeCheckout(sessionId);
    subscriptionId = paid.subscriptionId;
    await deliver(...paid.events);
    expect(await state()).toBe('provisioning');
    const correlationId = (await db.tenants.getById(tenantId)).correlationId;

    // The pipeline applies the Tenant; the operator reconciles it; the emulated node runs its pods.
    const applied = await eventually(tenantInCluster, 'the Tenant in the cluster', 60_000);
    expect(applied.metadata.annotations?.[ANNOTATION_CORRELATION_ID]).toBe(correlationId);
    await eventually(() => deploymentsReady('up'), 'the deployments to be ready', 90_000).catch((e) => {
      throw new Error(`${(e as Error).message}\n${whyNot()}`);
    });
    await eventually(async () => (await state()) === 'active', 'the tenant to be active', 90_000).catch(
      (e) => {
        throw new Error(`${(e as Error).message}\n${whyNot()}`);
      },
    );

    const status = await customer.get('/api/status');
    expect(status.json()).toMatchObject({ tenant: { state: 'active', url: `https://${slug}.localtest.me` } });
    const page2 = await customer.get('/status', 'text/html');
    expect(page2.text).toContain(`https://${slug}.localtest.me`);

    const welcome = await readOutbox(outbox, { to: EMAIL, tag: 'welcome' });
    expect(welcome).toHaveLength(1);
    expect(welcome[0]!.links).toContain(`https://${slug}.localtest.me`);

    const run = (await db.runs.latestForTenant(tenantId))!;
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
      const list = await kube.list<Record<string, unknown>>(apiVersion, kind, {
        namespace: tenantNamespace(slug),
      });
      for (const item of list.items) manifests.push(JSON.stringify(item));
    }
    expect(manifests.length).toBeGreaterThan(5);
  });

  it('changes plan in Stripe: the Tenant follows', async () => {
    await deliver(
      stripe.store.updateSubscription(subscriptionId, {
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
      async () => (await db.runs.latestForTenant(tenantId))?.status === 'succeeded',
      'the update run to finish',
      60_000,
    );
    expect(await state()).toBe('active');
  });

  it('suspends when payment fails past the grace period, and resumes when the invoice is paid', async () => {
    await deliver(stripe.store.failPayment(subscriptionId));
    await eventually(async () => (await state()) === 'suspended', 'the tenant to be suspended', 30_000);
    await eventually(
      async () => (await tenantInCluster())?.spec.suspended === true,
      'the Tenant suspended',
      30_000,
    );
    await eventually(() => deploymentsReady('zero'), 'the deployments scaled to zero', 60_000);

    await deliver(stripe.store.payInvoice(subscriptionId));
    await eventually(async () => (await state()) === 'active', 'the tenant to be active again', 30_000);
    await eventually(
      async () => (await tenantInCluster())?.spec.suspended === false,
      'the Tenant resumed',
      30_000,
    );
    await eventually(() => deploymentsReady('up'), 'the deployments ready again', 90_000);
    await eventually(
      async () => (await db.runs.latestForTenant(tenantId))?.status === 'succeeded',
      'the resume run to finish',
      60_000,
    );
  });

  it('offboards after cancellation: the namespace is gone and the tenant deleted', async () => {
    await deliver(stripe.store.cancelSubscription(subscriptionId));
    await eventually(async () => (await state()) === 'deleted', 'the tenant to be deleted', 120_000).catch(
      (e) => {
        throw new Error(`${(e as Error).message}\n${whyNot()}`);
      },
    );
    expect(await tenantInCluster()).toBeUndefined();
    await eventually(
      async () =>
        (await kube.get({
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: tenantNamespace(slug) },
        })) === undefined,
      'the namespace to be gone',
      60_000,
    );
    const events = (await db.lifecycle.history(tenantId)).map((e) => e.event);
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
    expect(await readOutbox(outbox, { to: EMAIL, tag: 'welcome' })).toHaveLength(1);
  });

  it('leaked no raw e-mail and no secret: logs of all three processes, /metrics, manifests, artifacts, database', async () => {
    for (const { name, url: metricsUrl } of metricsUrls) {
      const response = await fetch(metricsUrl);
      expect(response.status, `${name} /metrics`).toBe(200);
      metricsTexts.push({ source: `${name} /metrics`, text: await response.text() });
    }
    await Promise.all(processes.map((p) => p.stop())); // flushes pino's asynchronous stdout
    const leaks: Leak[] = [];
    const perProcess: string[] = [];
    for (const p of processes) {
      const output = p.output();
      const lines = output.split('\n').filter((l) => l.startsWith('{'));
      const levels = new Set(lines.map((l) => /"level":(\d+)/.exec(l)?.[1]));
      perProcess.push(`${p.name} ${lines.length} (levels ${[...levels].sort().join('/')})`);
      expect(lines.length, `${p.name} logged at trace level`).toBeGreaterThan(10);
      leaks.push(...findLeaks(output, secrets, `${p.name} stdout+stderr`));
    }
    // The customer's e-mail is pseudonymised in logs, still correlatable.
    expect(processes.find((p) => p.name === 'control-plane')!.output()).toContain(hashId(EMAIL));
    for (const m of metricsTexts) leaks.push(...findLeaks(m.text, secrets, m.source));
    for (const manifest of manifests) leaks.push(...findLeaks(manifest, secrets, 'tenant manifests'));

    const artifactsDir = join(workDir, 'tenants');
    const artifacts: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await walk(path);
        else artifacts.push(path);
      }
    };
    await walk(artifactsDir);
    expect(artifacts.length, 'rendered artifacts').toBeGreaterThan(0);
    for (const path of artifacts)
      leaks.push(...findLeaks(await readFile(path, 'utf8'), secrets, path.slice(workDir.length)));

    const rows = await dumpSchema(schema);
    for (const [table, text] of Object.entries(rows))
      leaks.push(...findLeaks(text, secretsButEmail(), `database ${table}`));

    expect(leaks, describeLeaks(leaks)).toEqual([]);
    const metricLines = metricsTexts.reduce((n, m) => n + m.text.split('\n').length, 0);
    console.log(
      `journey leak scan: log lines ${perProcess.join(', ')}; ${metricLines} metric lines, ${manifests.length} Kubernetes objects, ${artifacts.length} artifacts, ${Object.keys(rows).length} tables, ${Object.keys(secrets).length} secrets, 0 leaks`,
    );
  }, 60_000);
});
