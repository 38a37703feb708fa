/**
 * The newcomer's walk through `npm start`, in Chromium, following the README's quick start:
 * `npm start` itself (tools/dev/src/start.ts: Redis, control plane, provisioner, the local data
 * plane and its router) with DATABASE_URL and the Stripe stand-in npm start would start (started
 * here so the walk can send the later subscription events), then
 *
 * sign up (cloud `local`) → confirm the e-mail (dev outbox) → checkout on the local Stripe page
 * (Pay → Stripe-signed webhooks) → provisioned (the render step seeds the tenant vault) → choose
 * the payments plugin on the status page (preview, apply) → the workspace answers at
 * http://<slug>.localtest.me:<port> → the customer admin signs in by magic link and is a manager
 * (first manager from the tenant vault) → sets the payments key in My Credentials → runs
 * payments_balance in "Run a tool": the call passes the engine's gate and the plugin reaches the
 * local Stripe server → chats in the AI hub with the scripted OpenAI-compatible model
 * (@cw/testing/llm, passed to npm start as LLM_BASE_URL): the model calls payments_balance, the
 * call passes the gate and the answer streams back → the customer admin turns the engine
 * read-only on the status page's plugins (preview with the switch, apply: the update run
 * re-renders, the engine reloads its config file) and a write (payments_charge) from a "Run a
 * tool" form opened before the switch is refused: the gate no longer lists it → a failed
 * payment past the grace period suspends the tenant, the workspace answers 503 "suspended" → the
 * paid invoice resumes it and a tool call runs again → the subscription is cancelled (past the
 * offboarding grace period the tenant is offboarded): the router says the workspace is gone (404),
 * the run's purge-tenant-data step succeeded, and PostgreSQL has neither the tenant's store schema
 * (tenant_<slug>: users, sessions, credentials) nor a row of its tenant vault (<schema>_vault);
 * its folder on the local data plane (the knowledge index's PGlite, mounted secrets) is gone.
 *
 * Each stage's time since checkout completed is printed (docs/benchmarks.md, onboarding).
 * Leak scan: every line every process wrote (npm start and its children, each tenant process's
 * log — held open from the start, so the lines written until offboarding removes the files count
 * too) is searched for the tenant vault's secret values, the magic-link tokens, the session
 * cookies and the raw e-mail. Links are not printed here (MAIL_OUTBOX_PRINT_LINKS=false).
 * Every request the scripted model received is scanned for the same values and for the payments
 * key: no credential, token, cookie or e-mail may reach the model.
 *
 * The same journey on kube-local is tools/e2e/test/e2e/data-plane-journey.spec.ts (in npm test).
 * The knowledge index of a local tenant is a
 * PGlite in cerebro's folder (not PostgreSQL), so its removal is checked as that folder's.
 *
 * Minutes long on a loaded machine (cerebro and the engine start under tsx), so it runs in
 * `npm run test:reliability`; `npm test` covers the parts (tools/dev/test, the provisioner's
 * tenant-secrets spec, localize specs).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, open, readdir, readFile, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { Browser, Page } from 'playwright-core';
import { TEST_DATABASE_URL, uniqueSchemaName } from '@cw/db/testing';
import { CHROMIUM_ARGS, chromiumAvailable, launchChromium } from '@cw/testing/browser';
import type { ScriptedLlmServer } from '@cw/testing/llm';
import { startToolCallingModel } from '../e2e/support/scripted-model.js';
import { freePort } from '@cw/testing/processes';
import {
  startStripeServer,
  WebhookEmitter,
  type StripeEventObject,
  type StripeTestServer,
} from '@cw/testing/stripe';
import { createStripeClient, syncStripeCatalog } from '@cw/control-plane';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const RUN = randomBytes(3).toString('hex');
const ORG = `Walk ${RUN}`;
const EMAIL = `Newcomer.${RUN}@Example.com`;
const SLUG = `walk-${RUN}`;

let dir: string;
let npmStart: ChildProcess;
let output = '';
let browser: Browser;
let page: Page;
let cpUrl: string;
let wsUrl: string;
let llm: ScriptedLlmServer;
let stripe: StripeTestServer;
let emitter: WebhookEmitter;
const WEBHOOK_SECRET = `whsec_walk${randomBytes(18).toString('hex')}`;
const CHAT_ANSWER = 'Your Stripe balance is in: nothing available yet.';
const schema = uniqueSchemaName('walk');
const secrets = { tokens: [] as string[], cookies: [] as string[] };
let logs: ReturnType<typeof holdLogs> | undefined;
let db: pg.Pool | undefined;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn().catch(() => undefined);
    if (value !== undefined) return value;
    if (npmStart.exitCode !== null)
      throw new Error(`npm start exited while waiting for ${what}:\n${output.slice(-4000)}`);
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}:\n${output.slice(-4000)}`);
    await sleep(500);
  }
}

interface Mail {
  to?: unknown;
  subject?: string;
  links?: string[];
}
async function mailLink(outbox: string, match: (m: Mail) => boolean, link: RegExp): Promise<string> {
  return until(
    `a mail in ${outbox}`,
    async () => {
      if (!existsSync(outbox)) return undefined;
      for (const f of (await readdir(outbox))
        .filter((x) => x.endsWith('.json'))
        .sort()
        .reverse()) {
        const m = JSON.parse(await readFile(join(outbox, f), 'utf8')) as Mail;
        const l = match(m) ? m.links?.find((x) => link.test(x)) : undefined;
        if (l) return l;
      }
      return undefined;
    },
    120_000,
  );
}

const tokenOf = (link: string) => new URL(link).searchParams.get('token') ?? '';

/**
 * The tenant processes' logs, each held open from when it appears: offboarding removes the
 * tenant's folder, but an open file is still readable, to the last line its process wrote.
 */
function holdLogs(folder: string): { read(): Promise<string[]>; stop(): void } {
  const held = new Map<string, FileHandle>();
  const timer = setInterval(() => {
    if (!existsSync(folder)) return;
    void readdir(folder)
      .then(async (files) => {
        for (const f of files.filter((x) => x.endsWith('.log') && !held.has(x)))
          held.set(f, await open(join(folder, f), 'r'));
      })
      .catch(() => undefined);
  }, 250);
  return {
    read: async () => {
      const texts: string[] = [];
      for (const h of held.values()) {
        const { size } = await h.stat();
        const buffer = Buffer.alloc(size);
        await h.read(buffer, 0, size, 0);
        texts.push(buffer.toString('utf8'));
      }
      return texts;
    },
    stop: () => {
      clearInterval(timer);
      for (const h of held.values()) void h.close();
    },
  };
}

describe.skipIf(!chromiumAvailable())('newcomer walk through npm start', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cw-walk-'));
    // The scripted model: asked with the payments tool on offer, it calls payments_balance; given
    // the tool's result, it answers in text (streamed by cerebro).
    llm = await startToolCallingModel('main__payments_balance', CHAT_ANSWER);
    const [port, dpPort] = [await freePort(), await freePort()];
    cpUrl = `http://localhost:${port}`;
    wsUrl = `http://${SLUG}.localtest.me:${dpPort}`;
    // The Stripe stand-in npm start would start itself (same server, same catalog sync, same key),
    // started here so the walk can also send the later subscription events (payment failed,
    // invoice paid), signed with the webhook secret as Stripe signs them.
    stripe = await startStripeServer({
      secretKey: 'sk_test_cw_local',
      webhook: { url: `${cpUrl}/webhooks/stripe`, secret: WEBHOOK_SECRET },
    });
    emitter = new WebhookEmitter(WEBHOOK_SECRET, `${cpUrl}/webhooks/stripe`);
    await syncStripeCatalog(createStripeClient({ secretKey: stripe.secretKey, apiBase: stripe.apiBase }));
    npmStart = spawn(process.execPath, ['--import', 'tsx', 'tools/dev/src/start.ts'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        PORT: String(port),
        LOCAL_DATA_PLANE_PORT: String(dpPort),
        LOCAL_DATA_PLANE_DIR: join(dir, 'data-plane'),
        DATABASE_URL: TEST_DATABASE_URL,
        DATABASE_SCHEMA: schema,
        QUEUE_PREFIX: schema,
        ARTIFACTS_DIR: join(dir, 'tenants'),
        VAULT_DIR: join(dir, 'vault'),
        MAIL_OUTBOX_DIR: join(dir, 'outbox'),
        MAIL_OUTBOX_PRINT_LINKS: 'false',
        LOG_LEVEL: 'debug',
        LLM_BASE_URL: llm.baseUrl,
        LLM_MODEL: 'scripted',
        STRIPE_SECRET_KEY: stripe.secretKey,
        STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
        STRIPE_API_BASE: stripe.apiBase,
        PAYMENT_GRACE_PERIOD: '2s',
        OFFBOARD_GRACE_PERIOD: '2s',
        SWEEP_INTERVAL: '1s',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    npmStart.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    npmStart.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    await until(
      'the control plane',
      async () => ((await fetch(`${cpUrl}/readyz`)).ok ? true : undefined),
      240_000,
    );
    browser = await launchChromium({
      // localtest.me needs public DNS; the browser maps it to 127.0.0.1 itself.
      args: [...CHROMIUM_ARGS, '--host-resolver-rules=MAP *.localtest.me 127.0.0.1'],
    });
    // One context (cookie jar) for every tab the walk opens.
    page = await (await browser.newContext()).newPage();
  }, 300_000);

  afterAll(async () => {
    logs?.stop();
    await db?.end();
    await browser?.close();
    if (npmStart?.exitCode === null) {
      npmStart.kill('SIGTERM');
      await until(
        'npm start to stop',
        async () => (npmStart.exitCode !== null ? true : undefined),
        30_000,
      ).catch(() => process.kill(-npmStart.pid!, 'SIGKILL'));
    }
    await llm?.close();
    await stripe?.close();
    // WALK_KEEP=1 keeps the walk's folder (npm start's logs, the data plane's) for a look afterwards.
    if (!process.env.WALK_KEEP) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('sign-up → checkout → plugins → workspace → credential → a governed tool call', async () => {
    const stages: Record<string, number> = {};
    let t0 = 0;
    const mark = (stage: string) => {
      stages[stage] = (Date.now() - t0) / 1000;
      console.log(`walk: ${stage} at +${stages[stage]!.toFixed(1)} s after checkout`);
    };

    // 1. Sign up on the control plane, confirm the e-mail.
    await page.goto(cpUrl);
    await page.getByLabel('Organisation name', { exact: true }).fill(ORG);
    await page.getByLabel('Your work e-mail', { exact: true }).fill(EMAIL);
    await page.getByLabel('Cloud', { exact: true }).selectOption('local');
    await page.getByRole('button', { name: 'Create workspace' }).click();
    await page.waitForURL(/check-email/);
    const verify = await mailLink(join(dir, 'outbox'), (m) => /Confirm/.test(m.subject ?? ''), /\/verify/);
    secrets.tokens.push(tokenOf(verify));
    await page.goto(verify);
    await page.getByRole('button', { name: 'Confirm and continue' }).click();

    // 2. Checkout on the local Stripe stand-in; Pay sends the signed webhooks.
    await page.waitForURL(/\/checkout\//);
    await page.getByRole('button', { name: 'Pay' }).click();
    await page.waitForURL(/\/status/);
    t0 = Date.now();
    await until(
      'provisioning to finish',
      async () =>
        /Sending the welcome e-mail ✓/.test(await page.locator('body').innerText()) ? true : undefined,
      120_000,
    );
    mark('provisioned');
    secrets.cookies.push(...(await page.context().cookies()).map((c) => c.value));

    // 4. Choose the payments plugin: preview first, then apply.
    await page.getByRole('link', { name: /Plugins/ }).click();
    await page.locator('input[name=plugins][value=payments]').check();
    await page.getByRole('button', { name: 'Preview' }).click();
    await expect.poll(() => page.locator('main').innerText()).toMatch(/Preview only: nothing changed/);
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => page.locator('main').innerText()).toMatch(/(Plugins|Engines) changed/);
    mark('plugins chosen');

    // 6. The workspace answers once cerebro and the engine run (restarted for the new engine).
    await until(
      'the engine of the workspace',
      async () =>
        new RegExp(`data plane ${SLUG}: workspace .*engine main mcp`).test(output) ? true : undefined,
      300_000,
    );
    await until(
      'the workspace',
      async () => {
        const ports = JSON.parse(await readFile(join(dir, 'data-plane', 'ports.json'), 'utf8')) as Record<
          string,
          { cerebro: number; engines: Record<string, { dashboard: number }> }
        >;
        const p = ports[SLUG]!;
        const ok = await Promise.all([
          fetch(`http://127.0.0.1:${p.cerebro}/readyz`),
          fetch(`http://127.0.0.1:${p.engines.main!.dashboard}/readyz`),
        ]);
        return ok.every((r) => r.ok) ? true : undefined;
      },
      600_000,
    );
    mark('workspace answers');
    logs = holdLogs(join(dir, 'data-plane', SLUG));

    // 5/6. The customer admin signs in by magic link and is the workspace's first manager.
    await page.goto(wsUrl);
    await page.locator('input[type=email]').first().fill(EMAIL.toLowerCase());
    await page.getByRole('button', { name: /sign-in link/ }).click();
    const signIn = await mailLink(
      join(dir, 'data-plane', SLUG, 'cerebro', 'outbox'),
      () => true,
      /\/sign-in\/link/,
    );
    secrets.tokens.push(tokenOf(signIn));
    await page.goto(signIn);
    await page.getByRole('button', { name: 'Sign me in' }).click();
    await expect.poll(() => page.locator('main').innerText()).toMatch(/as manager/);
    mark('signed in');

    // 5. The payments plugin's key in My Credentials (the local Stripe stand-in's key).
    await page.getByRole('link', { name: 'My Credentials' }).first().click();
    await page.getByLabel('Value for api_key (yours)').fill('sk_test_cw_local');
    await page.getByRole('button', { name: 'Save' }).first().click();
    await expect.poll(() => page.locator('main').innerText()).toMatch(/Set by you/);

    // 6. A read tool through the gate; the plugin reaches the local Stripe server.
    await page.getByRole('link', { name: 'Run a tool' }).first().click();
    await page.locator('#tool').selectOption('main__payments_balance');
    await page.getByRole('button', { name: 'Run' }).click();
    await expect
      .poll(() => page.locator('main').innerText(), { timeout: 60_000 })
      .toMatch(/main__payments_balance: ok[\s\S]*available: 0 usd/);
    mark('first tool call succeeded');
    await page.screenshot({ path: join(tmpdir(), `cw-walk-${RUN}.png`), fullPage: true });

    // 6. Chat with the scripted model: it calls payments_balance, the gate lets it through, the
    // plugin reaches the local Stripe, and the answer streams back.
    await page.goto(`${wsUrl}/chat`);
    await page.getByLabel('Ask something').fill('What is our Stripe balance?');
    await page.getByRole('button', { name: 'Start a conversation' }).click();
    await expect
      .poll(() => page.locator('main').innerText(), { timeout: 60_000 })
      .toMatch(/main__payments_balance: done/);
    await expect
      .poll(() => page.locator('.msg.assistant').last().textContent(), { timeout: 60_000 })
      .toContain(CHAT_ANSWER);
    const offered = llm.requests[0]?.tools?.map((t) => t.function.name) ?? [];
    expect(offered).toContain('main__payments_balance');
    // The model saw the tool's result (the local Stripe's balance), nothing else of ours.
    expect(llm.rawBodies.some((b) => /available/.test(b))).toBe(true);
    mark('chat tool call succeeded');
    await page.screenshot({ path: join(tmpdir(), `cw-walk-${RUN}-chat.png`), fullPage: true });

    // 6. A write on a read-only engine is refused. The customer admin turns the engine read-only
    // where the plugins are chosen (control plane: preview with the switch's diff, then apply); the
    // update run re-renders, and the local data plane rewrites the engine's hot-reloaded config file
    // (no restart). The write is offered while the engine writes: its form is filled then in a
    // second tab and submitted after the switch — the engine's gate no longer lists
    // payments_charge for anyone, so cerebro refuses to call it (400 naming `tool`).
    const dpDir = join(dir, 'data-plane', SLUG);
    const stale = await page.context().newPage();
    await stale.goto(`${wsUrl}/tools`);
    await stale.locator('#tool').selectOption('main__payments_charge');
    await stale.locator('#args').fill('{"amount": 5, "currency": "usd"}');
    await page.goto(`${cpUrl}/status/plugins`);
    const mainEngine = page.locator('form', { has: page.locator('input[name=name][value=main]') });
    await mainEngine.locator('input[name=readOnly]').check();
    await mainEngine.getByRole('button', { name: 'Preview' }).click();
    await expect.poll(() => page.locator('main').innerText()).toMatch(/read-only on/);
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => page.locator('main').innerText()).toMatch(/Engines changed/);
    const ports = JSON.parse(await readFile(join(dir, 'data-plane', 'ports.json'), 'utf8')) as Record<
      string,
      { engines: Record<string, { dashboard: number }> }
    >;
    await until(
      'the engine to turn read-only',
      async () =>
        /read-only: true/.test(
          await (await fetch(`http://127.0.0.1:${ports[SLUG]!.engines.main!.dashboard}/`)).text(),
        )
          ? true
          : undefined,
      60_000,
    );
    // Nothing restarted: the local data plane rewrote both config files in place (as the kubelet
    // rewrites a mounted ConfigMap) and cerebro and the engine reloaded them.
    expect(output).toMatch(
      new RegExp(
        `data plane ${SLUG}: cerebro, engine-main: config changed in fields the processes reload; rewritten in place, no restart`,
      ),
    );
    await until(
      'the workspace after the switch',
      async () => {
        const p = (
          JSON.parse(await readFile(join(dir, 'data-plane', 'ports.json'), 'utf8')) as Record<
            string,
            { cerebro: number }
          >
        )[SLUG]!;
        return (await fetch(`http://127.0.0.1:${p.cerebro}/readyz`).catch(() => undefined))?.ok
          ? true
          : undefined;
      },
      120_000,
    );
    const refused = stale.waitForResponse((r) => r.url().endsWith('/tools/run'));
    await stale.getByRole('button', { name: 'Run' }).click();
    expect((await refused).status()).toBe(400);
    await expect.poll(() => stale.locator('body').innerText()).toMatch(/tool[\s\S]*not a tool you may call/);
    await stale.close();
    await page.goto(`${wsUrl}/tools`);
    expect(await page.locator('#tool option[value=main__payments_charge]').count()).toBe(0);
    // cerebro says why, once it has reloaded its file (the engine may have been a moment earlier).
    await expect
      .poll(
        async () => {
          await page.goto(`${wsUrl}/tools`);
          return page.locator('main').innerText();
        },
        { timeout: 30_000, interval: 1_000 },
      )
      .toMatch(/Engine main is read-only/);
    expect(await page.locator('#tool option[value=main__payments_balance]').count()).toBe(1);
    mark('write refused on a read-only engine');
    await page.screenshot({ path: join(tmpdir(), `cw-walk-${RUN}-read-only.png`), fullPage: true });

    // 6. Suspend → the workspace answers "suspended" → resume. A failed payment past the grace
    // period suspends the tenant (spec.suspended → the render scales to 0 → the local data plane
    // stops its processes and the router says it is suspended); the paid invoice resumes it.
    const deliver = async (...events: StripeEventObject[]) => {
      for (const event of events)
        expect((await emitter.deliver(event)).status, `webhook ${event.type}`).toBe(200);
    };
    const subscriptionId = [...stripe.store.subscriptions.keys()][0]!;
    await deliver(stripe.store.failPayment(subscriptionId));
    await until(
      'the workspace to answer suspended',
      async () => {
        const r = await page.goto(`${wsUrl}/tools`);
        return r?.status() === 503 && /is suspended/.test(await page.locator('body').innerText())
          ? true
          : undefined;
      },
      120_000,
    );
    mark('suspended');
    await page.screenshot({ path: join(tmpdir(), `cw-walk-${RUN}-suspended.png`), fullPage: true });
    await deliver(stripe.store.payInvoice(subscriptionId));
    await until(
      'the workspace to come back',
      async () => ((await page.goto(`${wsUrl}/readyz`))?.status() === 200 ? true : undefined),
      600_000,
    );
    mark('resumed');
    // The session survives (session key from the tenant vault, sessions in the store), and tools run.
    await page.goto(`${wsUrl}/tools`);
    await page.locator('#tool').selectOption('main__payments_balance');
    await page.getByRole('button', { name: 'Run' }).click();
    await expect
      .poll(() => page.locator('main').innerText(), { timeout: 60_000 })
      .toMatch(/main__payments_balance: ok[\s\S]*available: 0 usd/);
    mark('tool call after resume');
    secrets.cookies.push(...(await page.context().cookies()).map((c) => c.value));

    // The tenant vault's values as mounted, for the leak scan (offboarding removes the mount).
    const vaultDir = join(dpDir, 'secrets');
    const vaultValues = await Promise.all(
      (await readdir(vaultDir))
        .filter((f) => /^(engine-audit-salt|cerebro-session-key|engine-signing-.*\.pem)$/.test(f))
        .map(async (f) => {
          const v = (await readFile(join(vaultDir, f), 'utf8')).trim();
          return f.endsWith('.pem') ? v.split('\n')[1]! : v;
        }),
    );
    expect(vaultValues.length).toBeGreaterThanOrEqual(3);

    // 7. Offboarding: the subscription is cancelled; past the grace period the tenant is offboarded.
    db = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 2 });
    const q = async (text: string, params: unknown[] = []) => (await db!.query(text, params)).rows;
    const storeSchema = `tenant_${SLUG.replaceAll('-', '_')}`;
    const vaultRows = async () =>
      Number(
        (await q(`SELECT count(*)::int AS n FROM "${schema}_vault".items WHERE tenant = $1`, [SLUG]))[0]!.n,
      );
    const storeRows = async () =>
      (await q(`SELECT 1 FROM information_schema.tables WHERE table_schema = $1`, [storeSchema])).length
        ? ((await q(
            `SELECT collection, count(*)::int AS n FROM "${storeSchema}".items GROUP BY collection`,
          )) as {
            collection: string;
            n: number;
          }[])
        : [];
    // What there is to remove: the workspace's people, sessions and the saved credential; the
    // vault's data-plane secrets; cerebro's knowledge index (a PGlite in its folder).
    const before = Object.fromEntries((await storeRows()).map((r) => [r.collection, r.n]));
    expect(before).toMatchObject({ vault_credentials: 1 });
    expect(Object.keys(before).length).toBeGreaterThanOrEqual(2);
    expect(await vaultRows()).toBeGreaterThanOrEqual(4);
    let knowledgeDir = '';
    for (const d of await readdir(dpDir, { withFileTypes: true })) {
      const f = join(dpDir, d.name, 'config.json');
      const c = d.isDirectory() && existsSync(f) ? JSON.parse(await readFile(f, 'utf8')) : undefined;
      const k = c?.knowledge?.search?.connection?.dataDir as string | undefined;
      if (k) knowledgeDir = k;
    }
    expect(knowledgeDir.startsWith(dpDir)).toBe(true);
    expect(existsSync(knowledgeDir)).toBe(true);

    await deliver(stripe.store.cancelSubscription(subscriptionId));
    await until(
      'the workspace to be gone',
      async () => {
        const r = await page.goto(wsUrl);
        return r?.status() === 404 && /offboarded/.test(await page.locator('body').innerText())
          ? true
          : undefined;
      },
      180_000,
    );
    mark('workspace gone');
    await page.screenshot({ path: join(tmpdir(), `cw-walk-${RUN}-gone.png`), fullPage: true });
    await until(
      'the tenant to be deleted',
      async () =>
        (await q(`SELECT state FROM "${schema}".tenants WHERE slug = $1`, [SLUG]))[0]?.state === 'deleted'
          ? true
          : undefined,
      180_000,
    );
    mark('offboarded');
    // What the customer admin's status page says now (its run's steps, the purge among them).
    await page.goto(`${cpUrl}/status`);
    expect(await page.locator('#steps').innerText()).toMatch(
      /Removing your workspace ✓[\s\S]*Removing your workspace's data ✓[\s\S]*Removing cloud resources/,
    );
    await page.screenshot({ path: join(tmpdir(), `cw-walk-${RUN}-status-offboarded.png`), fullPage: true });
    const [purge] = await q(
      `SELECT s.status, s.output->>'message' AS message, s.output FROM "${schema}".provisioning_steps s
         JOIN "${schema}".provisioning_runs r ON r.id = s.run_id
         JOIN "${schema}".tenants t ON t.id = r.tenant_id
        WHERE t.slug = $1 AND r.goal = 'offboard' AND s.step = 'purge-tenant-data'`,
      [SLUG],
    );
    console.log(`walk: purge-tenant-data said: ${String(purge?.message)}`);
    expect(purge?.status).toBe('succeeded');
    expect(purge?.message).toMatch(
      new RegExp(`store schema ${storeSchema} of the platform PostgreSQL: removed \\(`),
    );
    expect(purge?.message).toMatch(
      /vault local vault, schema \S+_vault of the platform PostgreSQL: removed \(/,
    );
    // Gone from PostgreSQL, and from the local data plane's disk.
    expect(await storeRows()).toEqual([]);
    expect(
      await q(`SELECT 1 FROM information_schema.schemata WHERE schema_name = $1`, [storeSchema]),
    ).toEqual([]);
    expect(await vaultRows()).toBe(0);
    await until('the tenant folder to go', async () => (existsSync(dpDir) ? undefined : true), 30_000);
    expect(existsSync(knowledgeDir)).toBe(false);
    console.log(`walk stages (s after checkout): ${JSON.stringify(stages)}`);

    // Leak scan over every process's output (the tenant's logs as held open until their end).
    const allLogs = [output, ...(await logs!.read())];
    expect(allLogs.length).toBeGreaterThanOrEqual(3);
    const needles = {
      ...Object.fromEntries(vaultValues.map((v, i) => [`vault secret ${i}`, v])),
      ...Object.fromEntries(secrets.tokens.map((v, i) => [`magic-link token ${i}`, v])),
      ...Object.fromEntries(secrets.cookies.filter((c) => c.length >= 16).map((v, i) => [`cookie ${i}`, v])),
      'stripe webhook secret': WEBHOOK_SECRET,
      email: EMAIL,
      'email (lower case)': EMAIL.toLowerCase(),
    };
    const found = Object.entries(needles).filter(([, v]) => v && allLogs.some((l) => l.includes(v)));
    expect(found.map(([k]) => k)).toEqual([]);
    // Nothing of it, nor the payments key, reached the model.
    expect(llm.rawBodies.length).toBeGreaterThanOrEqual(2);
    const toModel = Object.entries({ ...needles, 'payments key': 'sk_test_cw_local' }).filter(
      ([, v]) => v && llm.rawBodies.some((b) => b.includes(v)),
    );
    expect(toModel.map(([k]) => k)).toEqual([]);
  }, 1_200_000);
});
