/**
 * The platform of the journeys, as `npm start` runs it but on kube-local: the control plane, the
 * provisioner and the tenant operator as child processes, real Redis and PostgreSQL, the
 * Stripe-compatible server (webhooks signed with Stripe's code), the real Kubernetes control plane
 * of tools/kube-local with its emulated node. The operator runs as its ServiceAccount with the
 * install manifests' RBAC, as deployed, and reconciles only the journey's tenant.
 *
 * Also the journey's common steps (sign-up → verify → checkout → provisioned) and what the leak
 * scans read (every table of the platform's schema, every rendered artifact).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { expect } from 'vitest';
import { createStripeClient, syncStripeCatalog } from '@cw/control-plane';
import { openDatabase, type Database } from '@cw/db';
import { TEST_DATABASE_URL, uniqueSchemaName } from '@cw/db/testing';
import { KubeClient } from '@cw/k8s-client';
import { readOutbox } from '@cw/mail';
import { installOperatorIdentity, testKubeconfigPath } from '@cw/testing/kube';
import {
  startStripeServer,
  WebhookEmitter,
  type StripeEventObject,
  type StripeTestServer,
} from '@cw/testing/stripe';
import { ANNOTATION_CORRELATION_ID, LABEL_TENANT, tenantNamespace, type Tenant } from '@cw/tenant-model';
import { Browser, csrfFromHtml } from './browser.js';
import { eventually, freePort, startProcess, type PlatformProcess } from './processes.js';

export interface JourneySecrets {
  email: string;
  stripeSecretKey: string;
  webhookSecret: string;
  sessionSecret: string;
  magicLinkToken: string;
  sessionCookie: string;
  [name: string]: string;
}

export interface PlatformOptions {
  /** The only tenant the operator reconciles. */
  readonly slug: string;
  /** A name for the run's folders and schema. */
  readonly name: string;
  /** Where the provisioner's local vault keeps its master key (records go to `<schema>_vault`). */
  readonly vaultDir?: string;
  readonly log?: 'trace' | 'debug';
}

export interface Platform {
  readonly url: string;
  readonly stripe: StripeTestServer;
  readonly emitter: WebhookEmitter;
  readonly db: Database;
  readonly kube: KubeClient;
  readonly outbox: string;
  readonly workDir: string;
  readonly schema: string;
  readonly processes: PlatformProcess[];
  readonly metricsUrls: ReadonlyArray<{ name: string; url: string }>;
  /** What must appear nowhere; the token and cookie are filled in once known. */
  readonly secrets: JourneySecrets;
  deliver(...events: StripeEventObject[]): Promise<void>;
  /** The error lines of each process (for failure messages). */
  whyNot(): string;
  /** Every Deployment of the tenant's namespace ready ('up') or at 0 replicas ('zero'). */
  deploymentsReady(slug: string, replicas: 'up' | 'zero'): Promise<boolean>;
  /** The tenant's namespace is deleted (gone from the API server). */
  namespaceGone(slug: string): Promise<boolean>;
  close(): Promise<void>;
}

export async function startPlatform(o: PlatformOptions): Promise<Platform> {
  const RUN = randomBytes(4).toString('hex');
  const webhookSecret = `whsec_Journey${RUN}Wq8e7r6t5y4u3i`;
  const secrets: JourneySecrets = {
    // Mixed case and a plus tag: a redactor that only handles the plain lower-case form would miss it.
    email: `Grace.Hopper+${RUN}@Example.com`,
    stripeSecretKey: `sk_test_Journey${RUN}Zq9w8e7r6t5y4u3i2o1p`,
    webhookSecret,
    sessionSecret: randomBytes(36).toString('base64url'),
    magicLinkToken: '',
    sessionCookie: '',
  };
  const kubeconfig = testKubeconfigPath();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const workDir = await mkdtemp(join(tmpdir(), `cw-${o.name}-`));
  const outbox = join(workDir, 'outbox');
  const stripe = await startStripeServer({
    secretKey: secrets.stripeSecretKey,
    webhook: { url: `${url}/webhooks/stripe`, secret: webhookSecret },
  });
  const emitter = new WebhookEmitter(webhookSecret, `${url}/webhooks/stripe`);
  await syncStripeCatalog(createStripeClient({ secretKey: stripe.secretKey, apiBase: stripe.apiBase }));
  const schema = uniqueSchemaName(o.name);
  const db = await openDatabase({ url: TEST_DATABASE_URL, schema, poolSize: 4 });
  const kube = KubeClient.fromKubeconfig(kubeconfig);
  const operatorKubeconfig = await installOperatorIdentity(kubeconfig);
  const [operatorMetrics, provisionerMetrics] = [await freePort(), await freePort()];
  const metricsUrls = [
    { name: 'control-plane', url: `${url}/metrics` },
    { name: 'tenant-operator', url: `http://127.0.0.1:${operatorMetrics}/metrics` },
    { name: 'provisioner', url: `http://127.0.0.1:${provisionerMetrics}/metrics` },
  ];
  const processes: PlatformProcess[] = [];

  const shared = {
    PATH: process.env.PATH,
    NODE_ENV: 'test',
    LOG_LEVEL: o.log ?? 'trace',
    KUBECONFIG: kubeconfig,
    DATABASE_URL: TEST_DATABASE_URL,
    DATABASE_SCHEMA: schema,
    REDIS_URL: 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: `cw${o.name}-${randomBytes(4).toString('hex')}`,
    MAIL_OUTBOX_DIR: outbox,
    ARTIFACTS_DIR: join(workDir, 'tenants'),
  };
  const close = async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await stripe.close();
    await db.dropSchema().catch(() => undefined);
    await db.close();
    await rm(workDir, { recursive: true, force: true });
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
        TENANT_LABEL_SELECTOR: `${LABEL_TENANT}=${o.slug}`,
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
        SESSION_SECRET: secrets.sessionSecret,
        STRIPE_SECRET_KEY: stripe.secretKey,
        STRIPE_WEBHOOK_SECRET: webhookSecret,
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
        ...(o.vaultDir ? { VAULT_DIR: o.vaultDir } : {}),
      },
      /"provisioner ready"/,
    ),
  ]);
  for (const s of started) if (s.status === 'fulfilled') processes.push(s.value);
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await close();
    throw failed.reason;
  }

  return {
    url,
    stripe,
    emitter,
    db,
    kube,
    outbox,
    workDir,
    schema,
    processes,
    metricsUrls,
    secrets,
    async deliver(...events) {
      for (const event of events)
        expect((await emitter.deliver(event)).status, `webhook ${event.type}`).toBe(200);
    },
    whyNot: () => processes.map((proc) => errorLines(proc, 15)).join('\n'),
    async namespaceGone(slug) {
      const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: tenantNamespace(slug) } };
      return (await kube.get(ns)) === undefined;
    },
    async deploymentsReady(slug, replicas) {
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
    },
    close,
  };
}

/** A process's last `n` warning/error lines (pino levels 40-60, or "error" anywhere), under its name. */
export const errorLines = (proc: PlatformProcess, n: number): string =>
  `--- ${proc.name}\n${proc
    .output()
    .split('\n')
    .filter((l) => /"level":[456]0|rror/.test(l))
    .slice(-n)
    .join('\n')}`;

/** Waits for `what`, adding the processes' error lines to a timeout. */
export const waitFor = <T>(
  p: Platform,
  fn: () => Promise<T | undefined | false | null>,
  what: string,
  timeoutMs: number,
) =>
  eventually(fn, what, timeoutMs).catch((e: unknown) => {
    throw new Error(`${(e as Error).message}\n${p.whyNot()}`);
  });

export interface SignedUp {
  readonly customer: Browser;
  readonly tenantId: string;
  readonly slug: string;
  readonly subscriptionId: string;
  readonly correlationId: string;
}

/**
 * Sign-up → e-mail confirmation (outbox) → checkout paid (Stripe-signed webhooks) → the pipeline
 * applies the Tenant → the operator reconciles → the Deployments are ready → the tenant is active.
 */
export async function signUpAndPay(
  p: Platform,
  o: { organisation: string; plan: string; seats: number },
): Promise<SignedUp> {
  const customer = new Browser(p.url);
  await customer.primeCsrf();
  const signup = await customer.request('POST', '/api/signup', {
    json: {
      organisationName: o.organisation,
      email: p.secrets.email,
      plan: o.plan,
      seats: o.seats,
      cloud: 'local',
      region: 'local',
    },
  });
  expect(signup.status, signup.text).toBe(201);
  const { tenantId, slug } = signup.json<{ tenantId: string; slug: string }>();

  const link = (await readOutbox(p.outbox, { to: p.secrets.email })).at(-1)!.links[0]!;
  const token = new URL(link).searchParams.get('token')!;
  p.secrets.magicLinkToken = token;
  const page = await customer.get(link.replace(p.url, ''), 'text/html');
  customer.csrf = csrfFromHtml(page.text);
  const confirm = await customer.request('POST', '/verify', { form: { token }, accept: 'text/html' });
  expect(confirm.status, confirm.text).toBe(303);
  const sessionId = confirm.location!.split('/').at(-1)!;
  p.secrets.sessionCookie = customer.cookies.get('cw_session') ?? '';
  expect(p.secrets.sessionCookie, 'session cookie').not.toBe('');

  const paid = p.stripe.store.completeCheckout(sessionId);
  await p.deliver(...paid.events);
  expect((await p.db.tenants.getById(tenantId)).state).toBe('provisioning');
  const correlationId = (await p.db.tenants.getById(tenantId)).correlationId;

  // The pipeline applies the Tenant; the operator reconciles it; the emulated node runs its pods.
  const applied = await eventually(() => p.kube.getTenant(slug), 'the Tenant in the cluster', 60_000);
  expect((applied as Tenant).metadata.annotations?.[ANNOTATION_CORRELATION_ID]).toBe(correlationId);
  await waitFor(p, () => p.deploymentsReady(slug, 'up'), 'the deployments to be ready', 90_000);
  await waitFor(
    p,
    async () => (await p.db.tenants.getById(tenantId)).state === 'active',
    'the tenant to be active',
    90_000,
  );
  return { customer, tenantId, slug, subscriptionId: paid.subscriptionId, correlationId };
}

/** Every row of every table of the schema, as JSON text per table. */
export async function dumpSchema(name: string): Promise<Record<string, string>> {
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

/** Every file under `dir` (none when it does not exist). */
export async function filesUnder(dir: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) await walk(path);
      else files.push(path);
    }
  };
  await walk(dir);
  return files;
}

export const readText = (path: string) => readFile(path, 'utf8');
