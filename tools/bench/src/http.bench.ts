/**
 * Control-plane HTTP latency under a fixed request rate, on loopback: the control plane runs as
 * its own process (as `npm start` runs it; the load generator's event loop must not be the
 * server's) against the real PostgreSQL (fresh schema) and Redis (fresh prefix), billing on
 * against the local Stripe-compatible server. Open-loop load: request i is sent at
 * t0 + i/rate whatever the earlier ones are doing, and its latency is measured from that
 * scheduled time, so a slow server cannot hide its queueing (no coordinated omission).
 * In flight is bounded; a request that would exceed the bound is counted as dropped.
 *  - sign-up: POST /api/signup (JSON, CSRF), a new organisation and e-mail each;
 *  - webhook: POST /webhooks/stripe, a signed checkout.session.completed for a tenant waiting
 *    for payment each (verify, store, transition, enqueue the provisioning job).
 * Alone: `node --import tsx tools/bench/src/http.bench.ts`. HTTP_BENCH_RATE (default 50 req/s)
 * and HTTP_BENCH_SECONDS (default 20 per endpoint) override the load.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { openDatabase, type Database } from '@cw/db';
import { PLANS, validateTenantSpec } from '@cw/tenant-model';
import {
  controlPlaneEnv,
  freePort,
  startProcess,
  waitHttpOk,
  type PlatformProcess,
} from '@cw/testing/processes';
import {
  seedPlanCatalog,
  startStripeServer,
  WebhookEmitter,
  type StripeEventObject,
} from '@cw/testing/stripe';
import { percentile, round, type Figure } from './figure.js';

const RATE = Number(process.env.HTTP_BENCH_RATE ?? 50);
const SECONDS = Number(process.env.HTTP_BENCH_SECONDS ?? 20);
const MAX_IN_FLIGHT = 256;
const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const log = (msg: string) => process.stderr.write(`[http.bench] ${msg}\n`);

interface LoadResult {
  latenciesMs: number[];
  errors: number;
  dropped: number;
  seconds: number;
}

/** Sends `count` requests at `rate` per second, open loop; `send(i)` resolves to the HTTP status. */
async function openLoop(
  count: number,
  rate: number,
  send: (i: number) => Promise<number>,
): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  let errors = 0;
  let dropped = 0;
  let inFlight = 0;
  const pending: Promise<void>[] = [];
  const t0 = performance.now() + 50;
  for (let i = 0; i < count; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    if (inFlight >= MAX_IN_FLIGHT) {
      dropped++;
      continue;
    }
    inFlight++;
    pending.push(
      send(i)
        .then((status) => {
          if (status >= 400) errors++;
          else latenciesMs.push(performance.now() - due);
        })
        .catch(() => void errors++)
        .finally(() => void inFlight--),
    );
  }
  await Promise.all(pending);
  return {
    latenciesMs: latenciesMs.sort((a, b) => a - b),
    errors,
    dropped,
    seconds: (performance.now() - t0) / 1000,
  };
}

function figuresOf(name: string, r: LoadResult, count: number): Figure[] {
  return [
    { name: `http.${name}.p50`, value: round(percentile(r.latenciesMs, 50)), unit: 'ms' },
    { name: `http.${name}.p99`, value: round(percentile(r.latenciesMs, 99)), unit: 'ms' },
    { name: `http.${name}.max`, value: round(r.latenciesMs.at(-1) ?? Number.NaN), unit: 'ms' },
    { name: `http.${name}.achieved_rate`, value: round(r.latenciesMs.length / r.seconds, 1), unit: 'req/s' },
    { name: `http.${name}.offered_rate`, value: RATE, unit: 'req/s' },
    { name: `http.${name}.requests`, value: count, unit: 'requests' },
    { name: `http.${name}.errors`, value: r.errors + r.dropped, unit: 'requests' },
  ];
}

/** The control plane with the bench's environment over this one; its stderr shows, its logs do not. */
async function startControlPlane(port: number, env: Record<string, string>): Promise<PlatformProcess> {
  const proc = startProcess('control-plane', env, { inheritEnv: true, echo: 'stderr' });
  await waitHttpOk(proc, `http://127.0.0.1:${port}/readyz`, 60_000);
  return proc;
}

export async function run(): Promise<Figure[]> {
  const count = Math.round(RATE * SECONDS);
  const id = randomBytes(4).toString('hex');
  const schema = `cw_bench_http_${id}`;
  const prefix = `cwbench-${id}`;
  const outbox = mkdtempSync(join(tmpdir(), 'cw-bench-outbox-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const webhookSecret = `whsec_bench${id}secret`;
  const stripe = await startStripeServer({ secretKey: `sk_test_bench${id}` });
  seedPlanCatalog(stripe);
  let controlPlane: PlatformProcess | undefined;
  let db: Database | undefined;
  try {
    controlPlane = await startControlPlane(
      port,
      controlPlaneEnv({
        port,
        databaseUrl: DATABASE_URL,
        schema,
        redisUrl: REDIS_URL,
        queuePrefix: prefix,
        stripe,
        webhookSecret,
        outboxDir: outbox,
      }),
    );
    const figures: Figure[] = [];

    // Sign-up: one CSRF token (and its cookie) for the whole run, as one busy browser.
    const csrfRes = await fetch(`${url}/api/csrf`);
    const cookie = csrfRes.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const { token } = (await csrfRes.json()) as { token: string };
    for (let i = 0; i < 20; i++) await signup(url, cookie, token, `warm-${id}-${i}`); // JIT, pools
    log(`sign-up: ${count} requests at ${RATE}/s`);
    const signups = await openLoop(count, RATE, (i) => signup(url, cookie, token, `${id}-${i}`));
    figures.push(...figuresOf('signup', signups, count));

    // Webhook: tenants waiting for payment, one completed checkout each.
    db = await openDatabase({ url: DATABASE_URL, schema, migrate: false });
    const events: StripeEventObject[] = [];
    for (let i = 0; i < count + 20; i++) {
      const slug = `bench-${id}-wh-${i}`;
      const spec = validateTenantSpec({
        displayName: slug,
        plan: 'team',
        seats: 5,
        cloud: { provider: 'gcp', region: 'europe-west1' },
        hostname: `${slug}.localtest.me`,
      });
      if (!spec.ok) throw new Error('fixture spec is invalid');
      const tenant = await db.tenants.create({
        slug,
        spec: spec.value,
        adminEmail: `${slug}@example.com`,
        correlationId: `corr-${slug}`,
        billingMode: 'stripe',
        state: 'pending_payment',
      });
      const completed = stripe.store.payCheckout(
        { id: tenant.id, email: tenant.adminEmail! },
        { lookupKey: PLANS.team.priceLookupKey, successUrl: `${url}/status` },
      ).checkoutCompleted;
      events.push(completed!);
    }
    const emitter = new WebhookEmitter(webhookSecret, `${url}/webhooks/stripe`);
    for (const event of events.slice(count)) await emitter.deliver(event); // warm-up
    log(`webhook: ${count} requests at ${RATE}/s`);
    const hooks = await openLoop(count, RATE, async (i) => (await emitter.deliver(events[i]!)).status);
    figures.push(...figuresOf('webhook', hooks, count));
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${controlPlane.child.pid}/status`, 'utf8'))?.[1];
    figures.push({
      name: 'http.control_plane.peak_rss',
      value: Math.round(Number(hwm ?? 0) / 1024),
      unit: 'MB',
    });
    return figures;
  } finally {
    await controlPlane?.stop();
    await db?.dropSchema().catch(() => undefined);
    await db?.close().catch(() => undefined);
    await stripe.close();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    rmSync(outbox, { recursive: true, force: true });
  }
}

async function signup(url: string, cookie: string, csrf: string, n: string): Promise<number> {
  const res = await fetch(`${url}/api/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', cookie, 'x-csrf-token': csrf },
    body: JSON.stringify({
      organisationName: `Bench Org ${n}`,
      email: `admin-${n}@bench.example.com`,
      plan: 'team',
      seats: 5,
      cloud: 'aws',
      region: 'eu-west-1',
    }),
  });
  await res.arrayBuffer();
  return res.status;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const figure of await run()) process.stdout.write(`${JSON.stringify(figure)}\n`);
  process.exit(0);
}
