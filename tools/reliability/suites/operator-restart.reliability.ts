/**
 * Operator restart loop under API faults: the real tenant operator process talks to kube-local
 * through the fault proxy (seeded 409s, 500s, 429s on writes, dropped watches, latency on reads)
 * as its least-privilege ServiceAccount (the install manifests' RBAC, never cluster admin), and
 * is killed (SIGKILL or SIGTERM, seeded) and restarted several times while 20 Tenants are created,
 * changed (an engine removed, some suspended) and some deleted. Everything must converge — Ready
 * (or Suspended) at the current generation, removed engines pruned, deleted Tenants and their
 * namespaces gone — and once the faults stop, a resync period passes with 0 writes.
 * RELIABILITY_OPERATOR_TENANTS (default 20), RELIABILITY_OPERATOR_RESTARTS (default 4),
 * RELIABILITY_FAULT_RATE (default 0.1, per write fault type).
 */
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { KubeClient, type AnyObject } from '@cw/k8s-client';
import { startFaultProxy, type FaultHandle, type FaultProxy, type RequestInfo } from '@cw/testing/kube';
import type { Tenant, TenantSpecInput } from '@cw/tenant-model';
import { eventually } from '@cw/testing/processes';
import {
  inParallel,
  operatorRun,
  removeTenants,
  report,
  seededRandom,
  SELECTOR_KEY,
  sleep,
  type OperatorRun,
  type PlatformProcess,
} from '../src/index.js';

const TENANTS = Number(process.env.RELIABILITY_OPERATOR_TENANTS ?? 20);
const RESTARTS = Number(process.env.RELIABILITY_OPERATOR_RESTARTS ?? 4);
const RATE = Number(process.env.RELIABILITY_FAULT_RATE ?? 0.1);
const r = seededRandom();
const kubeconfig = inject('kubeconfig');
const admin = KubeClient.fromKubeconfig(kubeconfig, { fieldManager: 'cw-reliability' });
const created = new Set<string>();
let proxy: FaultProxy;
let run: OperatorRun;
let operator: PlatformProcess | undefined;

beforeAll(async () => {
  run = await operatorRun(kubeconfig, 'oprestart');
  // The proxy forwards with the operator's own ServiceAccount token: least privilege, as deployed.
  proxy = await startFaultProxy({ kubeconfig: run.serviceAccountKubeconfig, seed: r.seed });
});
afterAll(async () => {
  proxy?.clearFaults();
  if (!operator?.alive() && run) operator = await run.start(proxy.kubeconfigPath).catch(() => undefined);
  await removeTenants(admin, created);
  await operator?.stop();
  await proxy?.stop();
});

const condition = (t: Tenant, type: string) => t.status?.conditions?.find((c) => c.type === type);
const current = (t: Tenant) => t.status?.observedGeneration === t.metadata.generation;
const isReady = (t: Tenant) => current(t) && condition(t, 'Ready')?.status === 'True';
const isSuspended = (t: Tenant) =>
  current(t) && t.status?.phase === 'Suspended' && condition(t, 'Progressing')?.status === 'False';
const notLease = (i: RequestInfo) => i.resource !== 'leases';

it(
  'converges through operator restarts and API faults, then resyncs with 0 writes',
  { timeout: 290_000 },
  async () => {
    const started = Date.now();
    const manifest = (name: string, spec: Partial<TenantSpecInput>): AnyObject => ({
      apiVersion: 'platform.contextweaver.io/v1alpha1',
      kind: 'Tenant',
      metadata: { name, labels: { [SELECTOR_KEY]: run.selectorValue } },
      spec: {
        displayName: `Restart ${name}`,
        plan: 'starter',
        seats: 3,
        cloud: { provider: 'local', region: 'local' },
        hostname: `${name}.localtest.me`,
        // quota kept in every apply: v1.20's server-side apply turns a removed CRD object field into null.
        quota: { engines: 2 },
        ...spec,
      },
    });
    const apply = async (name: string, spec: Partial<TenantSpecInput>) => {
      created.add(name);
      // The test's own writes go straight to the API server (not through the proxy), but kube-local
      // can still answer a conflict under load: retry.
      await eventually(
        () => admin.applyObject(manifest(name, spec), { fieldManager: 'kubectl' }).then(() => true),
        `apply ${name}`,
        20_000,
      );
    };

    const rules: FaultHandle[] = [
      proxy.inject({ verb: 'write', when: notLease, rate: RATE, fault: { type: 'conflict' } }),
      proxy.inject({
        verb: 'write',
        when: notLease,
        rate: RATE,
        fault: { type: 'error', code: 500, message: 'injected' },
      }),
      proxy.inject({
        verb: 'write',
        when: notLease,
        rate: RATE / 2,
        fault: { type: 'throttle', retryAfterSeconds: 1 },
      }),
      proxy.inject({ verb: 'watch', rate: 0.3, fault: { type: 'drop-watch', afterMs: 1_500 } }),
      proxy.inject({ verb: ['get', 'list'], rate: 0.2, fault: { type: 'latency', ms: 50, jitterMs: 150 } }),
    ];
    const cutter = setInterval(() => proxy.dropWatches(), 4_000);
    let restarts = 0;
    const restart = async () => {
      const signal = r.chance(0.5) ? 'SIGKILL' : 'SIGTERM';
      if (operator) await (signal === 'SIGKILL' ? operator.kill('SIGKILL') : operator.stop(5_000));
      if (r.chance(0.5)) await sleep(r.int(0, 2_000));
      operator = await run.start(proxy.kubeconfigPath);
      restarts++;
    };

    const names = Array.from({ length: TENANTS }, (_, i) => `rst-${run.selectorValue}-${i}`);
    const shuffled = r.shuffle(names);
    const suspended = new Set(shuffled.slice(0, Math.ceil(TENANTS / 5)));
    const deleted = new Set(
      shuffled.slice(Math.ceil(TENANTS / 5), Math.ceil(TENANTS / 5) + Math.ceil(TENANTS / 4)),
    );
    const restartAt = new Set(Array.from({ length: RESTARTS }, (_, i) => i));
    try {
      operator = await run.start(proxy.kubeconfigPath);
      // Phase 1: create, with restarts in the middle.
      await inParallel(names, 5, (name) => apply(name, { engines: [{ name: 'a' }, { name: 'b' }] }));
      if (restartAt.delete(0)) await restart();
      await sleep(r.int(1_000, 4_000));
      if (restartAt.delete(1)) await restart();
      // Phase 2: change (engine b removed; some suspended), restart mid-way.
      const changes = r.shuffle(names.filter((n) => !deleted.has(n)));
      await inParallel(changes, 5, async (name) => {
        await apply(name, { engines: [{ name: 'a' }], ...(suspended.has(name) ? { suspended: true } : {}) });
      });
      if (restartAt.delete(2)) await restart();
      // Phase 3: delete some, restart mid-way.
      await Promise.all([...deleted].map((name) => admin.deleteTenant(name)));
      await sleep(r.int(500, 3_000));
      for (const i of [...restartAt].sort((a, b) => a - b)) {
        restartAt.delete(i);
        await restart();
        await sleep(r.int(1_000, 4_000));
      }

      // Convergence, faults still on.
      const remaining = names.filter((n) => !deleted.has(n));
      const stuck: string[] = [];
      await Promise.all(
        remaining.map((name) =>
          admin
            .waitForTenant(name, suspended.has(name) ? isSuspended : isReady, 150_000)
            .catch(() => void stuck.push(name)),
        ),
      );
      await Promise.all(
        [...deleted].map((name) =>
          eventually(
            async () => (await admin.getTenant(name)) === undefined,
            `${name} deleted`,
            150_000,
          ).catch(() => void stuck.push(name)),
        ),
      );
      expect(stuck, `not converged (seed ${r.seed})`).toEqual([]);
      for (const rule of rules) expect(rule.injected).toBeGreaterThan(0);
    } finally {
      clearInterval(cutter);
    }
    const faults = rules.reduce((n, rule) => n + rule.injected, 0);
    proxy.clearFaults();

    // Pruned and gone.
    const get = (apiVersion: string, kind: string, name: string, namespace?: string) =>
      admin.get<AnyObject>({ apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) } });
    const remaining = names.filter((n) => !deleted.has(n));
    const unpruned: string[] = [];
    for (const name of remaining) {
      if (await get('apps/v1', 'Deployment', 'engine-b', `tenant-${name}`)) unpruned.push(name);
    }
    const namespacesLeft = await eventually(
      async () => {
        const left: string[] = [];
        for (const name of deleted) if (await get('v1', 'Namespace', `tenant-${name}`)) left.push(name);
        return left.length === 0 ? [] : undefined;
      },
      'namespaces of deleted tenants gone',
      60_000,
    ).catch(() => [...deleted]);
    expect(unpruned, 'engine-b not pruned').toEqual([]);
    expect(namespacesLeft, 'namespaces of deleted tenants left').toEqual([]);

    // Idle: after a settling pause, a resync period (5 s) and more passes with no writes.
    await sleep(3_000);
    proxy.resetCounts();
    await sleep(8_000);
    const idleWrites = proxy.writes({ when: (i) => i.resource !== 'leases' && i.resource !== 'events' });
    expect(idleWrites, JSON.stringify(proxy.counts())).toBe(0);
    expect(operator!.alive()).toBe(true);

    report('operator-restart', {
      seed: r.seed,
      tenants: TENANTS,
      restarts,
      faults,
      converged: remaining.length + deleted.size,
      deleted: deleted.size,
      idleWrites,
      seconds: ((Date.now() - started) / 1000).toFixed(1),
      lost: 0,
    });
  },
);
