/**
 * One measurement of the onboarding bench (tools/bench/src/onboarding.bench.ts runs it as a child
 * process, since the bench may not import the launcher): starts COUNT tenants from one rendered
 * tenant directory on a LocalDataPlane, in waves, and prints one JSON line of figures.
 * `node --import tsx tools/dev/src/data-plane/onboarding-run.ts <bundles|tsx> <count> <wave> <renderedDir>`
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { ONBOARDING_STAGE_METRIC, Registry } from '@cw/observability';
import { startStripeServer } from '@cw/testing/stripe';
import { LOCAL_STRIPE_KEY } from '../local-stripe.js';
import { LocalDataPlane } from './local-data-plane.js';
import { pickPort } from './local-ports.js';
import { benchToolCall, engineFirstToolCallSeconds } from './onboarding-tool-call.js';

interface Figure {
  name: string;
  value: number;
  unit: string;
}
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const DEADLINE_MS = 180_000;
const log = (msg: string) => process.stderr.write(`[onboarding.bench] ${msg}\n`);
const percentile = (sorted: readonly number[], p: number): number =>
  sorted.length === 0
    ? Number.NaN
    : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
const round = (value: number, digits = 2): number => Number(value.toFixed(digits));

async function measure(
  mode: 'bundles' | 'tsx',
  count: number,
  WAVE: number,
  rendered: string,
): Promise<Figure[]> {
  const dir = await mkdtemp(join(tmpdir(), `cw-onboarding-${mode}-`));
  const artifacts = join(dir, 'tenants');
  // Slugs ob<run>-<n>; the data plane's store schemas are tenant_ob<run>_<n>, dropped at the end.
  const prefix = `ob${randomBytes(3).toString('hex')}_`;
  const registry = new Registry();
  const answered = new Map<string, number>();
  // First tool call: as soon as a tenant answers, the bench calls payments.balance through its
  // engine's gate (onboarding-tool-call.ts); the engine records first_tool_call itself.
  const stripe = await startStripeServer({ secretKey: LOCAL_STRIPE_KEY });
  const called = new Map<string, 'ok' | string>();
  const firstToolCall = new Map<string, number>();
  const data = join(dir, 'data');
  const plane: LocalDataPlane = new LocalDataPlane({
    root,
    artifactsDir: artifacts,
    dataDir: data,
    routerPort: await pickPort(new Set()),
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL,
      LOG_LEVEL: 'warn',
      STRIPE_API_BASE: stripe.apiBase,
    },
    printLinks: false,
    allClouds: true,
    bundles: mode === 'bundles',
    registry,
    onWorkspaceAnswers: (slug, ms) => {
      answered.set(slug, ms);
      const ports = plane.portsOf(slug);
      if (!ports) return;
      benchToolCall({ dir: join(data, slug), ports, stripeKey: LOCAL_STRIPE_KEY }).then(
        () => called.set(slug, 'ok'),
        (e: unknown) => called.set(slug, e instanceof Error ? e.message : String(e)),
      );
    },
    log: (l) => {
      if (!/exited|failed|error/i.test(l)) return;
      log(l);
      // Why it exited: the last lines of its log (the folder is removed at the end).
      const file = /see (\S+\.log)/.exec(l)?.[1];
      if (file && existsSync(file)) log(readFileSync(file, 'utf8').split('\n').slice(-6).join('\n'));
    },
  });
  // What npm start does at boot, long before a first checkout: build stale bundles, initialise
  // the PGlite template (start-faster.ts). Timed apart; the waves start after it.
  const p0 = Date.now();
  await plane.prepare();
  const prepareMs = Date.now() - p0;
  const load0 = loadavg()[0]!;
  const started = Date.now();
  try {
    for (let first = 0; first < count; first += WAVE) {
      const slugs = Array.from(
        { length: Math.min(WAVE, count - first) },
        (_, i) => `${prefix.replace('_', '-')}${first + i}`,
      );
      for (const slug of slugs) await cp(rendered, join(artifacts, slug), { recursive: true });
      const t0 = Date.now();
      await plane.sync();
      // As npm start's loop does: a process that exited is started again on the next pass.
      for (let pass = 1; slugs.some((s) => !called.has(s)) && Date.now() - t0 < DEADLINE_MS; pass++) {
        await new Promise((r) => setTimeout(r, 200));
        if (pass % 15 === 0) await plane.sync();
      }
      for (const slug of slugs) {
        const ports = plane.portsOf(slug);
        const seconds =
          ports && called.get(slug) === 'ok' ? await engineFirstToolCallSeconds(ports) : undefined;
        if (seconds !== undefined) firstToolCall.set(slug, seconds * 1000);
        else if (called.has(slug) && called.get(slug) !== 'ok')
          log(`${slug}: tool call failed: ${called.get(slug)}`);
      }
      const missing = slugs.filter((s) => !answered.has(s));
      log(
        `${mode} wave ${first / WAVE + 1}: ${slugs.length - missing.length}/${slugs.length} answered in ${Date.now() - t0} ms` +
          (missing.length ? ` (no answer: ${missing.join(', ')}; logs in ${dir}/data)` : ''),
      );
      for (const slug of slugs) await rm(join(artifacts, slug), { recursive: true, force: true });
      await plane.sync(); // stops the wave's processes before the next starts
    }
  } finally {
    await plane.stop();
    await stripe.close();
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect().catch(() => undefined);
    const { rows } = await client
      .query<{ nspname: string }>('select nspname from pg_namespace where nspname like $1', [
        `tenant_${prefix}%`,
      ])
      .catch(() => ({ rows: [] as { nspname: string }[] }));
    for (const r of rows) await client.query(`drop schema "${r.nspname}" cascade`).catch(() => undefined);
    await client.end().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
  const wall = Date.now() - started;
  const load1 = loadavg()[0]!;
  // What the data plane recorded in its histogram must match what it reported.
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === ONBOARDING_STAGE_METRIC);
  const observed = metric?.values.find(
    (v) =>
      (v as { metricName?: string }).metricName === `${ONBOARDING_STAGE_METRIC}_count` &&
      v.labels.stage === 'workspace_answers',
  )?.value;
  if (observed !== answered.size)
    throw new Error(`histogram count ${String(observed)} ≠ ${answered.size} tenants that answered`);
  const ms = [...answered.values()].sort((a, b) => a - b);
  const name = `${mode}.workspace_answers`;
  const calls = [...firstToolCall.values()].sort((a, b) => a - b);
  const okCalls = [...called.values()].filter((c) => c === 'ok').length;
  if (calls.length !== okCalls)
    throw new Error(
      `${okCalls} tool calls succeeded but the engines recorded first_tool_call ${calls.length} times`,
    );
  return [
    { name: `${mode}.tenants`, value: count, unit: 'tenants' },
    { name: `${mode}.answered`, value: answered.size, unit: 'tenants' },
    { name: `${mode}.wave`, value: Math.min(WAVE, count), unit: 'tenants' },
    { name: `${name}.p50`, value: round(percentile(ms, 50) / 1000), unit: 's' },
    { name: `${name}.p95`, value: round(percentile(ms, 95) / 1000), unit: 's' },
    { name: `${name}.max`, value: round((ms.at(-1) ?? Number.NaN) / 1000), unit: 's' },
    { name: `${mode}.first_tool_call.ok`, value: okCalls, unit: 'tenants' },
    { name: `${mode}.first_tool_call.p50`, value: round(percentile(calls, 50) / 1000), unit: 's' },
    { name: `${mode}.first_tool_call.p95`, value: round(percentile(calls, 95) / 1000), unit: 's' },
    { name: `${mode}.first_tool_call.max`, value: round((calls.at(-1) ?? Number.NaN) / 1000), unit: 's' },
    { name: `${mode}.wall`, value: round(wall / 1000), unit: 's' },
    { name: `${mode}.prepare`, value: round(prepareMs / 1000), unit: 's' },
    { name: `${mode}.load1.start`, value: round(load0), unit: 'load' },
    { name: `${mode}.load1.end`, value: round(load1), unit: 'load' },
  ];
}

const [mode, count, wave, rendered] = process.argv.slice(2);
if ((mode !== 'bundles' && mode !== 'tsx') || !rendered)
  throw new Error('usage: onboarding-run.ts <bundles|tsx> <count> <wave> <renderedDir>');
const figures = await measure(mode, Number(count), Number(wave), rendered);
process.stdout.write(`@@FIGURES@@${JSON.stringify(figures)}\n`);
process.exit(0);
