/**
 * `npm start`: the platform on embedded defaults. Finds or starts Redis, then runs every process
 * that exists in this checkout (control plane, provisioner, operator when a cluster is configured)
 * as children sharing this terminal; Ctrl-C stops them all. Without a cluster, the data plane of
 * every tenant on the `local` cloud runs here too (data-plane/): its cerebro and engines started
 * from the rendered manifests (their esbuild bundles, rebuilt when the sources changed;
 * LOCAL_DATA_PLANE_RUN=sources runs the sources under tsx), the workspaces routed at
 * http://<slug>.localtest.me:3080, its metrics (onboarding stages) at http://127.0.0.1:3080/metrics
 * and its spans as log lines on this console.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { createLogger, createRegistry, useLogTracing } from '@cw/observability';
import { LocalDataPlane } from './data-plane/local-data-plane.js';
import { startLocalRouter } from './data-plane/local-router.js';
import { tenantVaultMount, type TenantVaultMount } from './data-plane/tenant-vault.js';
import { startLocalStripe, type LocalStripe } from './local-stripe.js';
import { findOrStartRedis, RedisUnavailableError } from './redis.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const children: ChildProcess[] = [];

async function main(): Promise<void> {
  let redis;
  try {
    redis = await findOrStartRedis();
  } catch (error) {
    if (error instanceof RedisUnavailableError) {
      console.error(`npm start: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  console.log(`redis: ${redis.url} (${redis.source})`);
  // A developer clicks the magic link printed by the dev outbox (elsewhere links stay out of output).
  const env: NodeJS.ProcessEnv = { MAIL_OUTBOX_PRINT_LINKS: 'true', ...process.env, REDIS_URL: redis.url };
  // No Stripe account configured: the local Stripe-compatible server takes its place, so checkout
  // (a hosted page with a Pay button) and its signed webhooks work offline. LOCAL_STRIPE=off keeps
  // billing off instead (sign-ups start a trial).
  let stripe: LocalStripe | undefined;
  if (!process.env.STRIPE_SECRET_KEY && process.env.LOCAL_STRIPE !== 'off') {
    stripe = await startLocalStripe(process.env.PUBLIC_URL ?? `http://localhost:${process.env.PORT ?? 3000}`);
    Object.assign(env, stripe.env);
    console.log(
      `stripe: local Stripe-compatible server at ${stripe.server.url} (checkout is a page with a Pay button; LOCAL_STRIPE=off for billing off)`,
    );
  }
  // The local data plane serves workspaces at http://<slug>.localtest.me:<router port>: the control
  // plane links them there (status page, plugins page) and may probe them through its outbound
  // guard, which takes exactly that exception (localtest.me names resolve to 127.0.0.1).
  if (!process.env.KUBECONFIG && process.env.LOCAL_DATA_PLANE !== 'off') {
    const port = Number(process.env.LOCAL_DATA_PLANE_PORT ?? 3080);
    env.WORKSPACE_URL_TEMPLATE ??= `http://{slug}.localtest.me:${port}`;
    env.OUTBOUND_ALLOW_HOSTS = [process.env.OUTBOUND_ALLOW_HOSTS, `*.localtest.me:${port}`]
      .filter(Boolean)
      .join(',');
  }
  // Embedded PGlite is one process's database: without DATABASE_URL the control plane and the
  // provisioner share one process (embedded.ts); with it they run separately, as in production.
  const embedded = !process.env.DATABASE_URL;
  const processes = [
    {
      name: 'control-plane + provisioner (embedded PGlite)',
      entry: 'tools/dev/src/embedded.ts',
      when: embedded,
    },
    { name: 'control-plane', entry: 'apps/control-plane/src/main.ts', when: !embedded },
    { name: 'provisioner', entry: 'apps/provisioner/src/main.ts', when: !embedded },
    // The operator needs a cluster; without KUBECONFIG the provisioner runs render-only.
    {
      name: 'operator',
      entry: 'operators/tenant-operator/src/main.ts',
      when: Boolean(process.env.KUBECONFIG),
    },
  ];
  for (const p of processes) {
    if (!p.when || !existsSync(`${root}${p.entry}`)) continue;
    const child = spawn(process.execPath, ['--import', 'tsx', p.entry], { cwd: root, env, stdio: 'inherit' });
    child.once('exit', (code, signal) => {
      console.error(`${p.name} exited (${signal ?? code}); stopping the others`);
      void shutdown(code ?? 1);
    });
    children.push(child);
    console.log(`started ${p.name} (pid ${child.pid})`);
  }
  if (children.length === 0) {
    console.log(
      'Nothing to run yet in this checkout: only libraries and the cw command exist (try `npx cw --help`).',
    );
    await stripe?.close();
    await redis.stop();
    return;
  }
  // Tenants' workloads run as local processes only when no cluster would run them.
  let dataPlane: LocalDataPlane | undefined;
  let router: Awaited<ReturnType<typeof startLocalRouter>> | undefined;
  let tenantVault: TenantVaultMount | undefined;
  if (!process.env.KUBECONFIG && process.env.LOCAL_DATA_PLANE !== 'off') {
    const routerPort = Number(process.env.LOCAL_DATA_PLANE_PORT ?? 3080);
    // With PostgreSQL the tenant vault the provisioner seeds is readable here: its secrets are
    // mounted from there (without it they live in the provisioner's PGlite, and are generated here).
    tenantVault = process.env.DATABASE_URL
      ? tenantVaultMount({
          vaultDir: resolve(root, process.env.VAULT_DIR ?? '.data/vault'),
          databaseUrl: process.env.DATABASE_URL,
          databaseSchema: process.env.DATABASE_SCHEMA,
        })
      : undefined;
    // Onboarding stage workspace_answers: the histogram on the router port's /metrics, the span
    // as a log line like the other processes' spans.
    const registry = createRegistry('data-plane', { defaultMetrics: false });
    useLogTracing(createLogger({ name: 'data-plane' }));
    dataPlane = new LocalDataPlane({
      root,
      artifactsDir: resolve(root, process.env.ARTIFACTS_DIR ?? 'tenants'),
      dataDir: resolve(root, process.env.LOCAL_DATA_PLANE_DIR ?? '.data/data-plane'),
      routerPort,
      env,
      printLinks: env.MAIL_OUTBOX_PRINT_LINKS === 'true',
      bundles: process.env.LOCAL_DATA_PLANE_RUN !== 'sources',
      registry,
      ...(tenantVault && { tenantVault }),
      log: (line) => console.log(line),
    });
    const plane = dataPlane;
    router = await startLocalRouter(routerPort, (slug) => plane.route(slug), registry);
    plane.start();
    console.log(
      `data plane: workspaces at http://<slug>.localtest.me:${routerPort} once provisioned; metrics at http://127.0.0.1:${routerPort}/metrics`,
    );
  }
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    router?.close();
    await dataPlane?.stop();
    await tenantVault?.close().catch(() => undefined);
    for (const child of children) child.kill('SIGTERM');
    await stripe?.close();
    await redis.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
}

await main();
