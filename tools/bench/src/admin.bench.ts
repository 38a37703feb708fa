/**
 * The admin API's tenant list at scale: 10,000 tenants in a fresh PostgreSQL schema, the control
 * plane running as `node apps/control-plane/src/main.ts` does (its own process, configured by
 * environment, an in-process OIDC provider as the support staff's IdP), and p50/p99 of
 * `GET /admin/v1/tenants` over HTTP with a bearer token: first page, filtered, text search, and
 * deep pages reached by cursor.
 * Alone: `node --import tsx tools/bench/src/admin.bench.ts`. ADMIN_BENCH_TENANTS overrides the
 * count (default 10000), ADMIN_BENCH_REQUESTS the requests per kind (default 300).
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { openDatabase, type Database } from '@cw/db';
import { TEST_DATABASE_URL, uniqueSchemaName } from '@cw/db/testing';
import { startOidcProvider, type TestOidcProvider } from '@cw/testing/oidc';
import { freePort, startProcess, waitHttpOk, type PlatformProcess } from '@cw/testing/processes';
import { CLOUD_PROVIDERS, PLAN_NAMES, REGIONS, TENANT_STATES, validateTenantSpec } from '@cw/tenant-model';
import { percentile, round, type Figure } from './figure.js';

const COUNT = Number(process.env.ADMIN_BENCH_TENANTS ?? 10_000);
const REQUESTS = Number(process.env.ADMIN_BENCH_REQUESTS ?? 300);
const log = (msg: string) => process.stderr.write(`[admin.bench] ${msg}\n`);

const SEATS = { starter: 3, team: 10, enterprise: 50 } as const;

async function seed(db: Database): Promise<void> {
  const started = performance.now();
  const make = (i: number) => {
    const plan = PLAN_NAMES[i % PLAN_NAMES.length]!;
    const cloud = CLOUD_PROVIDERS[i % CLOUD_PROVIDERS.length]!;
    const slug = `bench-${i}`;
    const spec = validateTenantSpec({
      displayName: `Bench Org ${i}`,
      plan,
      seats: SEATS[plan],
      cloud: { provider: cloud, region: REGIONS[cloud][0] },
      hostname: `${slug}.localtest.me`,
    });
    if (!spec.ok) throw new Error(JSON.stringify(spec.issues));
    return db.tenants.create({
      slug,
      spec: spec.value,
      adminEmail: `owner@${slug}.example`,
      correlationId: `bench-${i}`,
      billingMode: 'trial',
      state: TENANT_STATES[i % 6]!,
    });
  };
  for (let i = 0; i < COUNT; i += 100)
    await Promise.all(Array.from({ length: Math.min(100, COUNT - i) }, (_, j) => make(i + j)));
  log(`seeded ${COUNT} tenants in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

async function timed(
  url: string,
  token: string,
): Promise<{ ms: number; body: { items: unknown[]; nextCursor: string | null } }> {
  const started = performance.now();
  const response = await fetch(url, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
  });
  const body = (await response.json()) as { items: unknown[]; nextCursor: string | null };
  const ms = performance.now() - started;
  if (response.status !== 200)
    throw new Error(`${url} answered ${response.status}: ${JSON.stringify(body).slice(0, 300)}`);
  return { ms, body };
}

export async function run(): Promise<Array<{ name: string; value: number; unit: string }>> {
  let op: TestOidcProvider | undefined;
  let db: Database | undefined;
  let controlPlane: PlatformProcess | undefined;
  try {
    op = await startOidcProvider({ account: { tid: 'tid-bench' } });
    const schema = uniqueSchemaName('bench_admin');
    db = await openDatabase({ url: TEST_DATABASE_URL, schema, poolSize: 10 });
    await seed(db);

    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    controlPlane = startProcess(
      'control-plane',
      {
        // "test": the in-process IdP is plain http, which production refuses (ADMIN_OIDC_ALLOW_INSECURE).
        NODE_ENV: 'test',
        PORT: String(port),
        HOST: '127.0.0.1',
        PUBLIC_URL: url,
        DATABASE_URL: TEST_DATABASE_URL,
        DATABASE_SCHEMA: schema,
        QUEUE_PREFIX: `cwbench-${randomBytes(4).toString('hex')}`,
        SESSION_SECRET: randomBytes(32).toString('hex'),
        SWEEP_INTERVAL: '0',
        LOG_LEVEL: 'warn',
        ADMIN_OIDC_ISSUER: op.issuer,
        ADMIN_OIDC_AUDIENCE: op.audience,
        ADMIN_OIDC_ALLOWED_TENANT_IDS: 'tid-bench',
        ADMIN_OIDC_ALLOW_INSECURE: 'true',
      },
      { inheritEnv: true, echo: 'stderr' }, // its stderr shows, its logs do not
    );
    await waitHttpOk(controlPlane, `${url}/healthz`, 120_000);
    const token = await op.signToken({ roles: ['viewer'] }, { expiresIn: 3600 });
    const list = `${url}/admin/v1/tenants`;

    // Cursors of deep pages (pages 12–21 of 50 per page, or as deep as the tenants go), collected once.
    const cursors: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 21; page++) {
      cursor = (await timed(`${list}?limit=50${cursor ? `&cursor=${cursor}` : ''}`, token)).body.nextCursor;
      if (!cursor) break;
      cursors.push(cursor);
    }
    const deep = cursors.slice(-10);
    const kinds: Record<string, (i: number) => string> = {
      first_page: () => `${list}?limit=50`,
      filtered: (i) =>
        `${list}?limit=50&state=${TENANT_STATES[i % 6]}&plan=${PLAN_NAMES[i % 3]}&cloud=${CLOUD_PROVIDERS[i % 4]}`,
      search: (i) => `${list}?limit=50&q=bench-${(i * 37) % COUNT}`,
      deep_page: (i) =>
        deep.length ? `${list}?limit=50&cursor=${deep[i % deep.length]}` : `${list}?limit=50`,
    };
    for (let i = 0; i < 30; i++) for (const make of Object.values(kinds)) await timed(make(i), token); // warm-up

    const figures: Figure[] = [];
    const all: number[] = [];
    for (const [kind, make] of Object.entries(kinds)) {
      const samples: number[] = [];
      for (let i = 0; i < REQUESTS; i++) samples.push((await timed(make(i), token)).ms);
      samples.sort((a, b) => a - b);
      all.push(...samples);
      figures.push({
        name: `admin.list_${COUNT}.${kind}.p50`,
        value: round(percentile(samples, 50), 2),
        unit: 'ms',
      });
      figures.push({
        name: `admin.list_${COUNT}.${kind}.p99`,
        value: round(percentile(samples, 99), 2),
        unit: 'ms',
      });
      log(
        `${kind}: p50 ${percentile(samples, 50).toFixed(1)} ms, p99 ${percentile(samples, 99).toFixed(1)} ms`,
      );
    }
    all.sort((a, b) => a - b);
    figures.unshift(
      { name: `admin.list_${COUNT}.p50`, value: round(percentile(all, 50), 2), unit: 'ms' },
      { name: `admin.list_${COUNT}.p99`, value: round(percentile(all, 99), 2), unit: 'ms' },
    );
    return figures;
  } finally {
    await controlPlane?.stop();
    await db?.dropSchema().catch(() => undefined);
    await db?.close();
    await op?.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const figure of await run()) process.stdout.write(`${JSON.stringify(figure)}\n`);
  process.exit(0);
}
