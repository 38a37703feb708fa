/**
 * The whole journey on kube-local, to the first governed tool call and back out (issue 22 item 6):
 *
 * sign-up → verify → checkout (Stripe-signed webhooks) → the provisioner applies the Tenant and
 * seeds the tenant vault → the operator applies the namespace → the tenant's pods run: kube-local
 * runs no containers, so KubeDataPlane (support/kube-data-plane.ts) reads the Deployments,
 * ConfigMaps and Services back from the API server and starts the real cerebro and engine from
 * exactly that — the image's ENTRYPOINT + CMD over the esbuild bundle, as the pod's uid, read-only
 * root, the container's env, the mounted config — with local adapters (PostgreSQL schema per
 * tenant, the tenant vault as files, the scripted OpenAI-compatible LLM, the Stripe stand-in as
 * the payments plugin's server) → the customer admin chooses the payments plugin in the control
 * plane (preview, apply) → the operator rolls the engine → the admin signs in to cerebro by magic
 * link (cerebro's outbox), is its first manager, sets the payments key in My Credentials → "Run a
 * tool": payments_balance passes the engine's gate and reaches the Stripe stand-in → chat: the
 * scripted model calls payments_balance, the gate lets it through, the answer comes back → a note
 * in the knowledge base, found by search → the customer admin makes the engine read-only (the
 * switch beside the plugins: preview, apply, update run; the engine reloads it in place) → a write
 * (payments_charge) is refused → a failed payment
 * past the grace period suspends the tenant: the operator scales to 0, the processes stop, the
 * workspace answers 503 "suspended" → the paid invoice resumes it, the session still works and
 * the engine is still read-only →
 * cancellation offboards: namespace gone, processes stopped, the tenant's folder (emptyDirs:
 * cerebro's knowledge index, mounted secrets) gone; the store schema's rows and the tenant vault's
 * rows gone when the provisioner ran its purge step (asserted whenever the offboard run has one).
 *
 * Leak scan: every byte every process wrote (control plane, provisioner, operator, and every
 * cerebro and engine process ever started), /metrics, the tenant's Kubernetes objects, the
 * platform's tables and the tenant store's rows, and every request the scripted model received,
 * for the e-mail, the Stripe key (also the payments credential), the webhook and session secrets,
 * the magic-link tokens, the session cookies and the tenant vault's secret values.
 *
 * About two minutes on a loaded 2-core machine (cerebro and the engine start from their bundles in
 * ~15 s each time), so it runs in `npm test` (project e2e) beside journey.spec.ts, which covers the
 * platform side in more detail (plan change, welcome e-mail, the run's steps, rendered artifacts).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL } from '@cw/db/testing';
import { readOutbox } from '@cw/mail';
import { describeLeaks, findLeaks, type Leak } from '@cw/observability';
import { localVaultSchema } from '@cw/provisioning';
import type { ScriptedLlmServer } from '@cw/testing/llm';
import { ROOT } from '@cw/testing/processes';
import { suggestSlug, tenantOnboarding } from '@cw/tenant-model';
import { Browser, csrfFromHtml } from './support/browser.js';
import {
  inClusterUrls,
  KubeDataPlane,
  mountedSecretValues,
  serviceRoutes,
} from './support/kube-data-plane.js';
import { tenantVaultMount, type TenantVaultMount } from './support/dev-data-plane.js';
import {
  dumpSchema,
  errorLines,
  signUpAndPay,
  startPlatform,
  waitFor,
  type Platform,
} from './support/platform.js';
import { eventually, freePort } from './support/processes.js';
import { startToolCallingModel } from './support/scripted-model.js';

const run = promisify(execFile);
const ORGANISATION = `Data Plane ${randomBytes(3).toString('hex')}`;
const SLUG = suggestSlug(ORGANISATION);
const STORE_SCHEMA = `tenant_${SLUG.replaceAll('-', '_')}`;
const CHAT_ANSWER = 'Your Stripe balance is in: nothing available yet.';
const NOTE_WORD = `zebrafinch${randomBytes(3).toString('hex')}`;

let p: Platform;
let dp: KubeDataPlane;
let vault: TenantVaultMount;
let llm: ScriptedLlmServer;
let base: string;
let workspace: Browser;
let customer: Browser;
let tenantId: string;
let subscriptionId: string;
/** Found along the way: magic-link tokens, cookies, the vault's values. */
const found: Record<string, string> = {};
const manifests: string[] = [];
let storeRows: Record<string, string> = {};
const workloadMetrics: Array<{ source: string; text: string }> = [];
/** cerebro's sign-in mail: where the token must be found (the scan's positive control). */
let signInMail = '';
const stages: Record<string, number> = {};
let t0 = 0;
const mark = (stage: string) => {
  stages[stage] = Math.round((Date.now() - t0) / 100) / 10;
  console.log(`data-plane journey: ${stage} at +${stages[stage]} s`);
};

const sql = async <T extends pg.QueryResultRow>(text: string, values: unknown[] = []) => {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
};
/** Rows of the tenant in `<schema>.items` (0 when the table does not exist). */
const rowsOf = async (schema: string, tenant: string) =>
  (
    await sql<{ n: number }>(
      `select count(*)::int as n from information_schema.tables where table_schema = $1 and table_name = 'items'`,
      [schema],
    )
  )[0]!.n === 0
    ? 0
    : (
        await sql<{ n: number }>(`select count(*)::int as n from "${schema}".items where tenant = $1`, [
          tenant,
        ])
      )[0]!.n;

const state = async () => (await p.db.tenants.getById(tenantId)).state;
/** As root the runner starts a pod as its uid under a read-only root; otherwise it says it could not. */
const CONFINEMENT = process.getuid?.() === 0 ? 'uid 10001, read-only root' : 'unconfined: not root';
const startedAsPod = (deployment: string) =>
  dp.events.some(
    (e) => e.includes(`${deployment}: started (pid `) && e.includes(`, ${CONFINEMENT}) from registry.`),
  );
const why = () =>
  `${p.whyNot()}\n--- data plane\n${dp.events.slice(-20).join('\n')}\n${dp.processes.map((proc) => errorLines(proc, 10)).join('\n')}`;
const until = <T>(fn: () => Promise<T | undefined | false | null>, what: string, timeoutMs: number) =>
  eventually(fn, what, timeoutMs).catch((e: unknown) => {
    throw new Error(`${(e as Error).message}\n${why()}`);
  });

/** cerebro and the engine run, and every probe of every running Deployment answers. */
async function workspaceAnswers(): Promise<void> {
  await until(
    async () => {
      if (!dp.ready() || typeof dp.route() !== 'number') return false;
      const answers = await Promise.all(
        dp.probeUrls().map((u) =>
          fetch(u, { signal: AbortSignal.timeout(5_000) }).then(
            (r) => r.ok,
            () => false,
          ),
        ),
      );
      return answers.every(Boolean);
    },
    'cerebro and the engine to run and every probe of the workspace to answer',
    300_000,
  );
}

/** Submits the first form of `page` (its CSRF token) to `action`. */
async function submit(client: Browser, page: string, action: string, form: Record<string, string>) {
  client.csrf = csrfFromHtml(page);
  return client.request('POST', action, { form, accept: 'text/html' });
}

/**
 * The customer admin's engine change through the control plane (the Connector Marketplace's API):
 * a preview first, then an apply with the preview's token (an update run). Returns the preview.
 */
async function configureEngines(engines: ReadonlyArray<Record<string, unknown>>) {
  const preview = await customer.request('POST', '/api/plugins', { json: { engines } });
  expect(preview.status, preview.text).toBe(200);
  const previewed = preview.json<{
    confirm: string;
    applied: boolean;
    diff: Array<Record<string, unknown>>;
  }>();
  expect(previewed.applied).toBe(false);
  const apply = await customer.request('POST', '/api/plugins', {
    json: { engines, confirm: previewed.confirm },
  });
  expect(apply.status, apply.text).toBe(200);
  expect(apply.json()).toMatchObject({ applied: true, run: { goal: 'update' } });
  return previewed;
}

async function runTool(tool: string, args = '{}') {
  const page = await workspace.get('/tools', 'text/html');
  expect(page.status, page.text).toBe(200);
  return submit(workspace, page.text, '/tools/run', { tool, args });
}

beforeAll(async () => {
  // What `npm run build` runs for each app: the images' bundles.
  await Promise.all(
    ['cerebro', 'mcp-engine'].map((app) =>
      run(process.execPath, [`apps/${app}/scripts/build.mjs`], { cwd: ROOT }),
    ),
  );
  // Outside /tmp: the processes get a fresh tmpfs at /tmp (their /tmp emptyDir).
  base = await mkdtemp('/var/tmp/cw-dp-journey-');
  await chmod(base, 0o755);
  llm = await startToolCallingModel('main__payments_balance', CHAT_ANSWER);
  const vaultDir = join(base, 'provisioner-vault');
  p = await startPlatform({ slug: SLUG, name: 'dpjourney', vaultDir });
  vault = tenantVaultMount({ vaultDir, databaseUrl: TEST_DATABASE_URL, databaseSchema: p.schema });
  dp = new KubeDataPlane({
    kube: p.kube,
    slug: SLUG,
    dir: join(base, 'tenant'),
    imagesDir: join(base, 'images'),
    routerPort: await freePort(),
    vault,
    env: {
      DATABASE_URL: TEST_DATABASE_URL,
      LLM_BASE_URL: llm.baseUrl,
      LLM_MODEL: 'scripted',
      STRIPE_API_BASE: p.stripe.apiBase,
    },
    log: process.env.E2E_DEBUG ? (line) => console.log(line) : undefined,
  });
  await dp.start();
}, 240_000);

afterAll(async () => {
  await dp?.stop();
  await vault?.close();
  await p?.close();
  await llm?.close();
  // Whatever the purge did not remove (or before it exists): the run's store schema and vault rows.
  await sql(`drop schema if exists "${STORE_SCHEMA}" cascade`).catch(() => undefined);
  if (p) await sql(`drop schema if exists "${localVaultSchema(p.schema)}" cascade`).catch(() => undefined);
  if (base) await rm(base, { recursive: true, force: true });
}, 120_000);

describe('the data plane on kube-local: sign-up to a governed tool call and back out', () => {
  // Each step needs the ones before: after a failure the rest are skipped, not failed in its wake.
  let failed = '';
  beforeEach((ctx) => {
    if (failed) ctx.skip(`"${failed}" failed`);
    ctx.onTestFailed(() => {
      failed ||= ctx.task.name;
    });
  });

  it('provisions on kube-local; the workspace runs from the Deployment the API server holds', async () => {
    t0 = Date.now();
    const signedUp = await signUpAndPay(p, { organisation: ORGANISATION, plan: 'team', seats: 5 });
    ({ tenantId, subscriptionId, customer } = signedUp);
    mark('paid and active');
    expect(signedUp.slug).toBe(SLUG);
    await workspaceAnswers();
    mark('workspace answers');

    // A tenant without plugins has no engine yet: cerebro alone, run as the pod's user from the
    // image's command.
    expect(dp.wantedDeployments()).toEqual(['cerebro']);
    expect(startedAsPod('cerebro')).toBe(true);
  }, 400_000);

  it('the customer admin chooses the payments plugin (preview, then apply): the operator adds the engine, and it runs', async () => {
    const engineConfig = () =>
      dp.objects
        .filter((o) => o.kind === 'ConfigMap')
        .flatMap((c) => Object.values(c.data ?? {}))
        .map((t) =>
          t.trim().startsWith('{') ? (JSON.parse(t) as { engine?: string; plugins?: string[] }) : {},
        )
        .find((c) => c.engine === 'main');
    expect(engineConfig()?.plugins ?? []).not.toContain('payments');
    const eventsBefore = dp.events.length;
    const { diff } = await configureEngines([{ name: 'main', plugins: ['payments'] }]);
    expect(diff).toEqual([expect.objectContaining({ name: 'main', added: ['payments'] })]);
    await until(
      async () => engineConfig()?.plugins?.includes('payments'),
      'the engine config with payments in the cluster',
      90_000,
    );
    // The engine's Deployment is created (a first plugin) or rolled (a changed list): a new process.
    await until(
      async () => dp.events.slice(eventsBefore).some((e) => /engine-main: started/.test(e)),
      'the engine to start with its new plugins',
      90_000,
    );
    await workspaceAnswers();
    mark('plugins chosen, engine running');

    // The workloads came from the cluster: every in-cluster address in their configs is a Service
    // of the namespace that selects a Deployment and targets one of its container ports.
    const routes = serviceRoutes(dp.objects);
    const configs = dp.objects
      .filter((o) => o.kind === 'ConfigMap')
      .flatMap((c) => Object.values(c.data ?? {}));
    expect(configs.length).toBeGreaterThan(0);
    const services = dp.objects.filter((o) => o.kind === 'Service').map((s) => s.metadata.name);
    const addresses = configs.flatMap((text) =>
      text.trim().startsWith('{') ? inClusterUrls(JSON.parse(text), services) : [],
    );
    expect(addresses.length, 'cerebro names its engines, the engines name cerebro').toBeGreaterThan(1);
    const unrouted = addresses.filter((a) => !routes.has(new URL(a).host));
    expect(unrouted, 'in-cluster addresses no Service routes').toEqual([]);
    expect(new Set(addresses.map((a) => routes.get(new URL(a).host)!.deployment))).toEqual(
      new Set(['cerebro', 'engine-main']),
    );
    expect(startedAsPod('engine-main')).toBe(true);
  }, 400_000);

  it('a user signs in by magic link, sets a credential, and a tool call passes the gate to the local Stripe', async () => {
    workspace = new Browser(dp.publicUrl);
    const email = p.secrets.email.toLowerCase();
    const signIn = await workspace.get('/sign-in', 'text/html');
    expect(signIn.status, signIn.text).toBe(200);
    expect((await submit(workspace, signIn.text, '/sign-in/email', { email })).status).toBe(200);
    const outbox = join(base, 'tenant', 'cerebro', 'outbox');
    const link = await until(
      async () =>
        (await readOutbox(outbox, { to: email })).at(-1)?.links.find((l) => l.includes('/sign-in/link')),
      'the sign-in mail in cerebro’s outbox',
      30_000,
    );
    expect(link.startsWith(dp.publicUrl)).toBe(true);
    signInMail = JSON.stringify(await readOutbox(outbox, { to: email }));
    found['magic-link token (cerebro)'] = new URL(link).searchParams.get('token')!;
    const confirm = await workspace.get(link.slice(dp.publicUrl.length), 'text/html');
    const signedIn = await submit(workspace, confirm.text, '/sign-in/link', {
      token: found['magic-link token (cerebro)'],
    });
    expect(signedIn.status, signedIn.text).toBe(303);
    const home = await workspace.get('/', 'text/html');
    expect(home.text, 'the customer admin is the first manager').toMatch(/as <strong>manager<\/strong>/);
    for (const [k, v] of workspace.cookies) if (v.length >= 16) found[`workspace cookie ${k}`] = v;
    mark('signed in');

    // My Credentials: the payments key (the Stripe stand-in's key, a journey secret itself).
    const creds = await workspace.get('/credentials', 'text/html');
    expect(creds.text).toMatch(/api_key/);
    const set = await submit(workspace, creds.text, '/credentials/set', {
      plugin: 'payments',
      name: 'api_key',
      level: 'user',
      value: p.stripe.secretKey,
    });
    expect(set.status, set.text).toBe(303);
    expect((await workspace.get('/credentials', 'text/html')).text).toMatch(/Set by you/);

    const before = p.stripe.requests.filter((r) => r.path === '/v1/balance').length;
    const result = await runTool('main__payments_balance');
    expect(result.status, result.text).toBe(200);
    expect(result.text).toMatch(/<strong id="outcome">ok<\/strong>/);
    expect(result.text).toMatch(/available: /);
    expect(p.stripe.requests.filter((r) => r.path === '/v1/balance').length).toBe(before + 1);
    mark('first tool call succeeded');

    // Onboarding stage first_tool_call, recorded by the engine the kubelet stand-in started from
    // the rendered Deployment: the Tenant's onboarding annotations (the provision run, i.e. the
    // checkout) reached it as env; one observation, counted from checkout.
    const onboarding = tenantOnboarding((await p.kube.getTenant(SLUG))!);
    expect(onboarding, 'the Tenant carries its onboarding annotations').toBeDefined();
    const engineMetrics = await (
      await fetch(`http://127.0.0.1:${dp.localPorts()!.engines.main!.dashboard}/metrics`)
    ).text();
    expect(engineMetrics).toMatch(
      /cw_onboarding_stage_seconds_count\{[^}]*stage="first_tool_call"[^}]*\} 1\b/,
    );
    const seconds = Number(
      /cw_onboarding_stage_seconds_sum\{[^}]*stage="first_tool_call"[^}]*\} ([\d.e+-]+)/.exec(
        engineMetrics,
      )?.[1],
    );
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThanOrEqual((Date.now() - Date.parse(onboarding!.since)) / 1000);
  });

  it('chats with the scripted model: its tool call passes the gate and the answer comes back', async () => {
    const chat = await workspace.get('/chat', 'text/html');
    const started = await submit(workspace, chat.text, '/chat', { message: 'What is our Stripe balance?' });
    expect(started.status, started.text).toBe(303);
    const conversation = await workspace.get(started.location!, 'text/html');
    expect(conversation.text).toContain(CHAT_ANSWER);
    // The model's call passed the gate and succeeded (a refusal is rendered as another outcome).
    expect(conversation.text).toMatch(/class="msg tool outcome-ok">[\s\S]*?main__payments_balance/);
    expect(llm.requests[0]?.tools?.map((t) => t.function.name)).toContain('main__payments_balance');
    // The model saw the tool's result (the stand-in's balance).
    expect(llm.rawBodies.some((b) => /available: /.test(b))).toBe(true);
    mark('chat tool call succeeded');

    // A note in the knowledge base (cerebro's index), found by search: the offboarding must remove it.
    const knowledge = await workspace.get('/knowledge', 'text/html');
    const saved = await submit(workspace, knowledge.text, '/knowledge/text', {
      title: 'Offboarding canary',
      text: `The ${NOTE_WORD} note must leave with the tenant.`,
      scope: 'P5',
    });
    expect(saved.status, saved.text).toBe(303);
    expect((await workspace.get(`/knowledge?q=${NOTE_WORD}`, 'text/html')).text).toContain(
      'Offboarding canary',
    );
  });

  it('refuses a write once the customer admin has made the engine read-only', async () => {
    const listed = async () => (await workspace.get('/tools', 'text/html')).text;
    expect(await listed()).toContain('value="main__payments_charge"');
    // The customer admin's read-only switch, where the plugins are chosen (preview, then apply).
    const { diff } = await configureEngines([{ name: 'main', readOnly: true }]);
    expect(diff).toEqual([
      expect.objectContaining({
        name: 'main',
        switches: [{ switch: 'readOnly', before: false, after: true }],
      }),
    ]);
    const dashboard = () => `http://127.0.0.1:${dp.localPorts()!.engines.main!.dashboard}/`;
    await until(
      async () => /read-only: true/.test(await (await fetch(dashboard())).text()),
      'the engine to turn read-only',
      120_000,
    );
    await workspaceAnswers();
    const refused = await runTool('main__payments_charge', '{"amount": 5, "currency": "usd"}');
    expect(refused.status, refused.text).toBe(400);
    expect(refused.text).toMatch(/not a tool you may call/);
    const tools = await listed();
    expect(tools).not.toContain('value="main__payments_charge"');
    expect(tools).toContain('value="main__payments_balance"');
    expect(p.stripe.requests.some((r) => r.path.startsWith('/v1/payment_intents'))).toBe(false);
    mark('write refused on a read-only engine');
  });

  it('suspends on a failed payment (the processes stop, the workspace answers "suspended") and resumes on the paid invoice', async () => {
    await p.deliver(p.stripe.store.failPayment(subscriptionId));
    await waitFor(p, async () => (await state()) === 'suspended', 'the tenant to be suspended', 60_000);
    await until(() => p.deploymentsReady(SLUG, 'zero'), 'the Deployments scaled to 0', 60_000);
    await until(
      async () => dp.route() === 'suspended' && dp.running().length === 0,
      'the processes to stop',
      60_000,
    );
    const suspended = await workspace.get('/tools', 'text/html');
    expect(suspended.status).toBe(503);
    expect(suspended.text).toMatch(/is suspended/);
    mark('suspended');

    await p.deliver(p.stripe.store.payInvoice(subscriptionId));
    await waitFor(p, async () => (await state()) === 'active', 'the tenant to be active again', 60_000);
    await until(() => p.deploymentsReady(SLUG, 'up'), 'the Deployments ready again', 90_000);
    await workspaceAnswers();
    // The session survives (session key from the tenant vault, sessions in the tenant store).
    const again = await runTool('main__payments_balance');
    expect(again.status, again.text).toBe(200);
    expect(again.text).toMatch(/<strong id="outcome">ok<\/strong>/);
    mark('resumed, tool call ok');
    // The switch is in the desired spec: the resumed engine is still read-only.
    expect((await workspace.get('/tools', 'text/html')).text).not.toContain('value="main__payments_charge"');
    expect(dp.restarts, 'processes that died on their own').toBe(0);

    // For the leak scan, before offboarding removes them: the workloads' /metrics, the objects, the
    // store's rows, the vault's values.
    const ports = dp.localPorts()!;
    for (const [source, url] of [
      ['cerebro /metrics', `http://127.0.0.1:${ports.cerebro}/metrics`],
      ['engine main /metrics', `http://127.0.0.1:${ports.engines.main!.dashboard}/metrics`],
    ] as const) {
      const response = await fetch(url);
      expect(response.status, source).toBe(200);
      workloadMetrics.push({ source, text: await response.text() });
    }
    for (const o of dp.objects) manifests.push(JSON.stringify(o));
    manifests.push(JSON.stringify(await p.kube.getTenant(SLUG)));
    storeRows = await dumpSchema(STORE_SCHEMA);
    expect(Object.keys(storeRows)).toContain('items');
    Object.assign(found, await mountedSecretValues(dp.secretsDir));
    for (const [k, v] of workspace.cookies)
      if (v.length >= 16) found[`workspace cookie ${k} (after resume)`] = v;
  }, 500_000);

  it('offboards after cancellation: namespace, processes and folder gone; store, vault and index purged', async () => {
    expect(await rowsOf(STORE_SCHEMA, SLUG), 'tenant store rows before offboarding').toBeGreaterThan(0);
    const vaultSchema = localVaultSchema(p.schema);
    expect(await rowsOf(vaultSchema, SLUG), 'tenant vault rows before offboarding').toBeGreaterThan(0);
    const knowledgeDir = join(base, 'tenant', 'cerebro', 'knowledge');
    expect(existsSync(knowledgeDir), 'cerebro’s knowledge index').toBe(true);

    await p.deliver(p.stripe.store.cancelSubscription(subscriptionId));
    await waitFor(p, async () => (await state()) === 'deleted', 'the tenant to be deleted', 180_000);
    await until(() => p.namespaceGone(SLUG), 'the namespace to be gone', 60_000);
    await until(async () => !existsSync(join(base, 'tenant')), 'the tenant’s folder to be removed', 30_000);
    expect(dp.running()).toEqual([]);
    expect(existsSync(knowledgeDir)).toBe(false);
    const gone = await workspace.get('/', 'text/html');
    expect(gone.status, 'no workspace any more').toBe(404);
    expect(gone.text).toMatch(/no such workspace/i);
    mark('offboarded');

    // The provisioner's purge step (asserted whenever the offboard run has it, as it now does).
    const offboard = (await p.db.runs.latestForTenant(tenantId))!;
    const purge = offboard.steps.find((s) => s.step === 'purge-tenant-data');
    if (purge) {
      expect(purge.status, JSON.stringify(offboard.steps)).toBe('succeeded');
      expect(await rowsOf(STORE_SCHEMA, SLUG), 'tenant store rows after the purge').toBe(0);
      expect(await rowsOf(vaultSchema, SLUG), 'tenant vault rows after the purge').toBe(0);
    } else {
      console.warn(
        `data-plane journey: the offboard run has no purge-tenant-data step (${offboard.steps.map((s) => s.step).join(', ')}): store and vault rows NOT asserted gone`,
      );
    }
    console.log(`data-plane journey stages (s after sign-up began): ${JSON.stringify(stages)}`);
    console.log(`data-plane journey, what the kube-local kubelet did:\n${dp.events.join('\n')}`);
  });

  it('leaked nothing: every process, /metrics, the Kubernetes objects, the databases, the model', async () => {
    const metrics: Array<{ source: string; text: string }> = [...workloadMetrics];
    for (const { name, url } of p.metricsUrls) {
      const response = await fetch(url);
      expect(response.status, `${name} /metrics`).toBe(200);
      metrics.push({ source: `${name} /metrics`, text: await response.text() });
    }
    await dp.stop();
    await Promise.all(p.processes.map((proc) => proc.stop())); // flushes pino's asynchronous stdout
    const needles = { ...p.secrets, ...found };
    expect(
      Object.values(found).filter(Boolean).length,
      'tokens, cookies and vault values found',
    ).toBeGreaterThanOrEqual(6);
    const leaks: Leak[] = [];
    const perProcess: string[] = [];
    for (const proc of [...p.processes, ...dp.processes]) {
      const output = proc.output();
      perProcess.push(`${proc.name} ${output.split('\n').length}`);
      expect(output.length, `${proc.name} wrote something`).toBeGreaterThan(100);
      leaks.push(...findLeaks(output, needles, `${proc.name} (pid ${proc.child.pid}) output`));
    }
    expect(
      dp.processes.length,
      'cerebro and engine processes started (incl. rollouts and the resume)',
    ).toBeGreaterThanOrEqual(5);
    for (const m of metrics) leaks.push(...findLeaks(m.text, needles, m.source));
    for (const m of manifests) leaks.push(...findLeaks(m, needles, 'tenant Kubernetes objects'));
    // Both databases hold the customer's e-mail by design (scanned for the other secrets only).
    const noEmail = { ...needles, email: '' };
    for (const [table, text] of Object.entries(await dumpSchema(p.schema)))
      leaks.push(...findLeaks(text, noEmail, `platform table ${table}`));
    for (const [table, text] of Object.entries(storeRows))
      leaks.push(...findLeaks(text, noEmail, `tenant store table ${table}`));
    for (const [i, body] of llm.rawBodies.entries())
      leaks.push(...findLeaks(body, needles, `LLM request ${i}`));
    expect(llm.rawBodies.length).toBeGreaterThanOrEqual(2);
    expect(leaks, describeLeaks(leaks)).toEqual([]);
    // The scan finds what is there: the token in the mail that carries it.
    expect(findLeaks(signInMail, needles, 'sign-in mail').map((l) => l.secret)).toContain(
      'magic-link token (cerebro)',
    );
    console.log(
      `data-plane journey leak scan: ${perProcess.length} processes (${perProcess.join(', ')} lines), ${manifests.length} Kubernetes objects, ${llm.rawBodies.length} LLM requests, ${Object.keys(needles).length} secrets, 0 leaks`,
    );
  }, 120_000);
});
