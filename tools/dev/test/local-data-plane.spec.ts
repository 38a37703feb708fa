/**
 * One configuration contract per workload: every example Tenant is rendered (`cw render`, what the
 * provisioner writes to tenants/<slug>/manifests/), each Deployment's env and mounted config.json
 * are read back, and the real cerebro and engine processes (the `npm run build` bundles) start
 * from them through the same runner `npm start` uses; each Deployment's probes answer.
 * Substituted, because no cloud runs here: the store (DynamoDB, Cosmos DB, Firestore, PGlite →
 * this machine's PostgreSQL, a schema per tenant), the vault (Secrets Manager, Key Vault, Secret
 * Manager → the local backend with a generated master key), the vault CSI mounts (generated files),
 * the ports and in-cluster addresses (127.0.0.1). Identity, plugins, engine switches, allowlists:
 * as rendered.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { parseAllDocuments, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineConfigSchema, parseCerebroConfig } from '@cw/tenant-model';
import { LocalDataPlane } from '../src/data-plane/local-data-plane.js';
import { startLocalRouter } from '../src/data-plane/local-router.js';
import { localize } from '../src/data-plane/localize.js';
import { parseManifests, renderedWorkloads } from '../src/data-plane/rendered-workloads.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const run = promisify(execFile);
const DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
const prefix = `dp${randomBytes(3).toString('hex')}_`;

let dir = '';
let artifacts = '';
let rendered = '';
/**
 * Booted here: the local tenant (what npm start runs) and azure-shared (OIDC identity, two engines,
 * Cosmos + Key Vault substituted). Started one tenant after the other: on a loaded 2-core machine
 * eleven processes starting at once take minutes. The other examples' configs are parsed above;
 * their boot differs only in the substituted adapters' kinds.
 */
const BOOTED = ['azure-shared', 'local'];
const examples: string[] = [];
const planes: LocalDataPlane[] = [];
const lines: string[] = [];

const status = (url: string) =>
  fetch(url, { signal: AbortSignal.timeout(3_000) }).then(
    (r) => r.status,
    () => 0,
  );
async function until(what: string, ok: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end)
      throw new Error(`${what} not true after ${ms} ms:\n${lines.join('\n')}\n${await logTails()}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}
/** The last lines each process wrote (the runner keeps them in <data>/<slug>/<deployment>.log). */
async function logTails(): Promise<string> {
  const data = join(dir, 'data');
  const files = (await readdir(data, { recursive: true }).catch(() => [])).filter((f) =>
    String(f).endsWith('.log'),
  );
  const tails = await Promise.all(
    files.map(
      async (f) =>
        `== ${f}\n${(await readFile(join(data, String(f)), 'utf8')).split('\n').slice(-6).join('\n')}`,
    ),
  );
  return tails.join('\n');
}

/** GET through the router with a Host header (localtest.me need not resolve on a test machine). */
const viaRouter = (port: number, host: string, path: string) =>
  new Promise<number>((resolve) => {
    request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .once('error', () => resolve(0))
      .end();
  });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cw-data-plane-'));
  artifacts = join(dir, 'tenants');
  rendered = join(dir, 'rendered');
  await Promise.all([
    run(process.execPath, ['apps/cerebro/scripts/build.mjs'], { cwd: root }),
    run(process.execPath, ['apps/mcp-engine/scripts/build.mjs'], { cwd: root }),
  ]);
  for (const file of (await readdir(join(root, 'tenants/examples'))).filter((f) => f.endsWith('.yaml'))) {
    const slug = file.replace(/\.yaml$/, '');
    examples.push(slug);
    await run(
      process.execPath,
      [
        'tools/cli/bin/cw.js',
        'render',
        `tenants/examples/${file}`,
        '--out',
        join(rendered, slug, 'manifests'),
      ],
      { cwd: root },
    );
  }
}, 120_000);

afterAll(async () => {
  await Promise.all(planes.map((p) => p.stop()));
  const db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  const { rows } = await db.query<{ nspname: string }>(
    `select nspname from pg_namespace where nspname like $1`,
    [`${prefix}%`],
  );
  for (const r of rows) await db.query(`drop schema "${r.nspname}" cascade`);
  await db.end();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function workloadsOf(slug: string) {
  const mdir = join(rendered, slug, 'manifests');
  const files = (await readdir(mdir)).sort();
  const text = (await Promise.all(files.map((f) => readFile(join(mdir, f), 'utf8')))).join('\n---\n');
  return renderedWorkloads(parseManifests(text));
}

describe('every example Tenant, as rendered', () => {
  it('gives each Deployment a config.json its app parses unchanged, rendered and localized', async () => {
    let count = 0;
    for (const slug of examples) {
      const workloads = await workloadsOf(slug);
      expect(
        workloads.filter((w) => w.app === 'cerebro'),
        slug,
      ).toHaveLength(1);
      const ports = {
        cerebro: 1,
        engines: Object.fromEntries(
          workloads
            .filter((w) => w.app === 'mcp-engine')
            .map((w) => [String(w.config.engine), { dashboard: 2, mcp: 3 }]),
        ),
      };
      const local = localize({
        slug,
        workloads,
        dir: '/x',
        ports,
        publicUrl: 'http://a.localtest.me:1',
        env: { DATABASE_URL },
      });
      for (const [i, w] of workloads.entries()) {
        expect(w.readOnlyRootFilesystem, `${slug} ${w.deployment}`).toBe(true);
        expect(
          w.probes.map((p) => p.kind),
          `${slug} ${w.deployment}`,
        ).toEqual(['liveness', 'readiness']);
        const parse = (c: unknown) =>
          w.app === 'cerebro' ? parseCerebroConfig(c) : engineConfigSchema.parse(c);
        expect(() => parse(w.config), `${slug} ${w.deployment}`).not.toThrow();
        expect(() => parse(local.workloads[i]!.config), `${slug} ${w.deployment} localized`).not.toThrow();
        count++;
      }
    }
    expect(count).toBeGreaterThanOrEqual(examples.length * 2);
  });

  it('boots every cerebro and engine from those files; each Deployment probe answers', async () => {
    const routerPort = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const { port } = s.address() as { port: number };
        s.close(() => resolve(port));
      });
    });
    const plane = new LocalDataPlane({
      root,
      artifactsDir: artifacts,
      dataDir: join(dir, 'data'),
      routerPort,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL, LOG_LEVEL: 'info' },
      printLinks: false,
      allClouds: true,
      bundles: true,
      storeSchemaPrefix: prefix,
      log: (l) => lines.push(l),
    });
    planes.push(plane);
    const router = await startLocalRouter(routerPort, (slug) => plane.route(slug));
    const started = Date.now();
    for (const slug of BOOTED) {
      // What the provisioner's render step does: the manifests appear under tenants/<slug>/.
      await cp(join(rendered, slug), join(artifacts, slug), { recursive: true });
      const t0 = Date.now();
      await plane.sync();
      const local = localizedOf(plane, slug, await workloadsOf(slug));
      for (const url of local)
        await until(`${slug} ${url}`, async () => (await status(url)) === 200, 150_000);
      process.stderr.write(
        `data plane: ${slug}'s ${local.length} probes answered ${Date.now() - t0} ms after sync\n`,
      );
    }
    process.stderr.write(`data plane: ${BOOTED.length} tenants up in ${Date.now() - started} ms\n`);
    // The workspace is reached by host name through the router; an unknown tenant is told so.
    expect(await viaRouter(routerPort, `local.localtest.me:${routerPort}`, '/readyz')).toBe(200);
    expect(await viaRouter(routerPort, `nobody.localtest.me:${routerPort}`, '/readyz')).toBe(404);

    // Offboarded (render-only: its render disappears): its processes stop, its folder and ports
    // are removed, the router answers 404; the other tenants keep running.
    const cerebroPort = plane.cerebroPort('azure-shared')!;
    const enginePorts = Object.values(plane.portsOf('azure-shared')!.engines);
    await rm(join(artifacts, 'azure-shared'), { recursive: true });
    await plane.sync();
    expect(plane.cerebroPort('azure-shared')).toBeUndefined();
    expect(await status(`http://127.0.0.1:${cerebroPort}/healthz`)).toBe(0);
    for (const p of enginePorts) expect(await status(`http://127.0.0.1:${p.dashboard}/healthz`)).toBe(0);
    expect(existsSync(join(dir, 'data', 'azure-shared'))).toBe(false);
    expect(Object.keys(JSON.parse(await readFile(join(dir, 'data', 'ports.json'), 'utf8')))).toEqual([
      'local',
    ]);
    expect(await viaRouter(routerPort, `azure-shared.localtest.me`, '/healthz')).toBe(404);
    expect(await viaRouter(routerPort, `local.localtest.me`, '/healthz')).toBe(200);

    // Stopping and starting again (npm start restarted) brings the tenant back on the same port.
    const before = plane.cerebroPort('local');
    await plane.stop();
    expect(await status(`http://127.0.0.1:${before}/healthz`)).toBe(0);
    const again = new LocalDataPlane({
      root,
      artifactsDir: artifacts,
      dataDir: join(dir, 'data'),
      routerPort,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL, LOG_LEVEL: 'info' },
      printLinks: false,
      bundles: true,
      storeSchemaPrefix: prefix,
      log: (l) => lines.push(l),
    });
    planes.push(again);
    await again.sync();
    expect(again.cerebroPort('local')).toBe(before);
    await cp(join(rendered, 'gcp-dedicated'), join(artifacts, 'gcp-dedicated'), { recursive: true });
    await again.sync();
    expect(
      again.cerebroPort('gcp-dedicated'),
      'npm start runs only tenants on the local cloud',
    ).toBeUndefined();
    await until(
      'local back',
      async () => (await status(`http://127.0.0.1:${before}/readyz`)) === 200,
      120_000,
    );

    // A field the engine reloads itself (readOnly) changes: its config file is rewritten in place,
    // as the kubelet updates a mounted ConfigMap (the Deployment, whose config hash leaves hot
    // fields out, is unchanged): nothing restarts and the engine applies it.
    const stops = () => lines.filter((l) => /^data plane local: stopped/.test(l)).length;
    const stopsBefore = stops();
    const dashboard = `http://127.0.0.1:${again.portsOf('local')!.engines.main!.dashboard}/api/status`;
    const readOnly = async () =>
      ((await (await fetch(dashboard)).json()) as { switches: { readOnly: boolean } }).switches.readOnly;
    const wasReadOnly = await readOnly();
    const manifests = join(artifacts, 'local', 'manifests');
    for (const f of await readdir(manifests)) {
      const docs = parseAllDocuments(await readFile(join(manifests, f), 'utf8')).map(
        (d) => d.toJS() as { kind?: string; data?: Record<string, string> },
      );
      if (!docs.some((d) => d.kind === 'ConfigMap')) continue;
      for (const d of docs)
        for (const [key, text] of Object.entries(d.data ?? {})) {
          const config = JSON.parse(text) as Record<string, unknown>;
          if (config.engine === 'main') d.data![key] = JSON.stringify({ ...config, readOnly: !wasReadOnly });
          // cerebro's config lists the engines' switches too, as the chart renders them.
          if (Array.isArray(config.engines))
            d.data![key] = JSON.stringify({
              ...config,
              engines: (config.engines as Record<string, unknown>[]).map((e) =>
                e.name === 'main' ? { ...e, readOnly: !wasReadOnly } : e,
              ),
            });
        }
      await writeFile(join(manifests, f), docs.map((d) => stringify(d)).join('---\n'));
    }
    await again.sync();
    expect(stops(), 'nothing restarted').toBe(stopsBefore);
    expect(
      lines.some((l) => /cerebro, engine-main: config changed in fields the processes reload/.test(l)),
    ).toBe(true);
    await until('the engine to apply readOnly', async () => (await readOnly()) === !wasReadOnly, 30_000);
    await until(
      'cerebro to apply the switch from its file',
      async () =>
        /the engines' switches or plugins changed; applied/.test(
          await readFile(join(dir, 'data', 'local', 'cerebro.log'), 'utf8'),
        ),
      30_000,
    );
    expect(again.cerebroPort('local')).toBe(before);
    router.close();
  }, 400_000);
});

/** The rendered probes of a tenant's Deployments, at the ports the runner gave them. */
function localizedOf(plane: LocalDataPlane, slug: string, workloads: ReturnType<typeof renderedWorkloads>) {
  const ports = plane.portsOf(slug);
  if (!ports) throw new Error(`${slug} did not start:\n${lines.join('\n')}`);
  return localize({
    slug,
    workloads,
    dir: '/x',
    ports,
    publicUrl: plane.publicUrl(slug),
    env: {},
  }).workloads.flatMap((w) => w.probeUrls);
}
