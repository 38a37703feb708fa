/**
 * The reconcile without a cluster: error reporting (phases fail, then the status write too: both
 * errors reach the caller) and the apply order within phases.
 */
import { describe, expect, it } from 'vitest';
import { KubeApiError, type EventRecorder, type KubeClient } from '@cw/k8s-client';
import type { KubeObject } from '@cw/k8s-charts';
import { FINALIZER, type Tenant } from '@cw/tenant-model';
import type { ClusterCache } from '../cluster-cache.js';
import { OperatorMetrics } from '../metrics.js';
import { ReconcileError, TenantReconciler } from './tenant.reconciler.js';

const tenant = {
  apiVersion: 'platform.contextweaver.io/v1alpha1',
  kind: 'Tenant',
  metadata: { name: 'acme', uid: 'u1', generation: 1, resourceVersion: '7', finalizers: [FINALIZER] },
  spec: {
    displayName: 'Acme',
    plan: 'starter',
    seats: 3,
    cloud: { provider: 'local', region: 'local' },
    hostname: 'acme.localtest.me',
    engines: [{ name: 'main', plugins: ['payments'] }],
  },
} as unknown as Tenant;

const unavailable = (what: string) => new KubeApiError(503, 'ServiceUnavailable', what, 'PATCH', `/${what}`);

const failingApi = {
  applyObject: () => Promise.reject(unavailable('apply')),
  deleteObject: () => Promise.reject(unavailable('delete')),
  patchTenantStatus: () => Promise.reject(unavailable('status')),
};

/** A cache that holds exactly what the reconciler wrote through it. */
function writeThroughCache(): ClusterCache {
  const objects = new Map<string, KubeObject>();
  const key = (o: KubeObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  return {
    tenants: { get: () => tenant, upsert: () => undefined },
    live: (o: KubeObject) => objects.get(key(o)),
    ownedBy: () => [],
    staleOwned: () => [],
    wrote: (o: KubeObject) => objects.set(key(o), o),
  } as unknown as ClusterCache;
}

function reconciler(
  api: Partial<Record<keyof typeof failingApi, unknown>>,
  cache = writeThroughCache(),
  statusSettleMs?: number,
  statusFirstSettleMs?: number,
) {
  const client = { ...failingApi, ...api } as unknown as KubeClient;
  const silent = { info() {}, warn() {}, error() {}, debug() {} };
  return new TenantReconciler({
    client,
    cache,
    renderOptions: () => ({}),
    events: { record: () => Promise.resolve() } as unknown as EventRecorder,
    metrics: new OperatorMetrics(
      {
        queueDepth: () => 0,
        tenantPhases: () => [],
        isLeader: () => true,
        watchEvents: () => [],
      },
      { defaultMetrics: false },
    ),
    log: silent,
    ...(statusSettleMs !== undefined ? { statusSettleMs } : {}),
    ...(statusFirstSettleMs !== undefined ? { statusFirstSettleMs } : {}),
  });
}

const applyOk = (o: KubeObject) =>
  Promise.resolve({ ...o, metadata: { ...o.metadata, resourceVersion: '1' } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The tenant's Deployments (cerebro, engine-main) report every replica ready, as the cache sees them. */
function deploymentsBecomeReady(cache: ClusterCache): void {
  for (const name of ['cerebro', 'engine-main']) {
    const live = cache.live({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: 'tenant-acme' },
    })!;
    cache.wrote({
      ...live,
      status: {
        observedGeneration: 0,
        replicas: 1,
        readyReplicas: 1,
        updatedReplicas: 1,
        availableReplicas: 1,
      },
    });
  }
}

/** A reconciler whose applies succeed and whose status writes are recorded by phase. */
function recordingStatuses(statusSettleMs: number, cache = writeThroughCache()) {
  const statuses: string[] = [];
  const r = reconciler(
    {
      applyObject: applyOk,
      patchTenantStatus: (_: string, status: { phase: string }) => {
        statuses.push(status.phase);
        return Promise.resolve(tenant);
      },
    },
    cache,
    statusSettleMs,
  );
  return { r, statuses };
}

describe('TenantReconciler', () => {
  it('keeps the phase errors when writing status fails afterwards', async () => {
    const error = await reconciler({})
      .reconcile('acme', new AbortController().signal)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(AggregateError);
    const [first, second] = (error as AggregateError).errors;
    expect(first).toBeInstanceOf(ReconcileError);
    expect((first as ReconcileError).errors[0]).toMatchObject({ phase: 'namespace' });
    expect((second as KubeApiError).path).toBe('/status');
    expect((error as AggregateError).cause).toBe(first);
    expect((error as Error).message).toMatch(/namespace: .*writing status failed too: 503/);
  });

  it('applies what a Deployment uses before it, and no Deployment whose ServiceAccount is missing', async () => {
    const applied: string[] = [];
    const apply = (o: KubeObject) => {
      if (o.kind === 'ServiceAccount' && o.metadata.name === 'mcp-engine')
        return Promise.reject(unavailable('serviceaccount'));
      applied.push(`${o.kind}/${o.metadata.name}`);
      return Promise.resolve({ ...o, metadata: { ...o.metadata, resourceVersion: '1' } });
    };
    const error = await reconciler({ applyObject: apply, patchTenantStatus: () => Promise.resolve(tenant) })
      .reconcile('acme', new AbortController().signal)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReconcileError);
    const errors = (error as ReconcileError).errors;
    expect(errors.map((e) => e.phase)).toEqual(['identity', 'workloads']);
    expect(errors[1]!.message).toMatch(/Deployment .*engine-main: waiting for its ServiceAccount mcp-engine/);
    expect(applied).toContain('Deployment/cerebro');
    expect(applied).not.toContain('Deployment/engine-main');
    const first = (kind: string) => applied.findIndex((a) => a.startsWith(`${kind}/`));
    const last = (kind: string) => applied.findLastIndex((a) => a.startsWith(`${kind}/`));
    expect(last('ServiceAccount')).toBeLessThan(first('Deployment'));
    expect(last('ConfigMap')).toBeLessThan(first('Deployment'));
    expect(last('Service')).toBeLessThan(first('Deployment'));
  });

  it('holds a rolling-out status back for the settle time: a quick rollout writes Ready alone', async () => {
    const cache = writeThroughCache();
    const { r, statuses } = recordingStatuses(200, cache);
    const signal = new AbortController().signal;
    const first = await r.reconcile('acme', signal);
    expect(first.requeueAfterMs).toBeGreaterThan(0);
    expect(first.requeueAfterMs).toBeLessThanOrEqual(200);
    expect(statuses).toEqual([]); // Provisioning held back
    // The Deployments become ready before the settle time is up.
    deploymentsBecomeReady(cache);
    expect(await r.reconcile('acme', signal)).toEqual({});
    expect(statuses).toEqual(['Ready']);
  });

  it('writes a rolling-out status once it has stood for the settle time', async () => {
    const { r, statuses } = recordingStatuses(50);
    const signal = new AbortController().signal;
    expect((await r.reconcile('acme', signal)).requeueAfterMs).toBeGreaterThan(0);
    expect(statuses).toEqual([]);
    await sleep(60);
    expect(await r.reconcile('acme', signal)).toEqual({});
    expect(statuses).toEqual(['Provisioning']);
  });

  it("holds a new tenant's first status for the first settle time, a later one for the settle time", async () => {
    const statuses: string[] = [];
    let current: Tenant = tenant; // no status yet
    const cache = writeThroughCache();
    (cache as unknown as { tenants: { get: () => Tenant } }).tenants.get = () => current;
    const r = reconciler(
      {
        applyObject: applyOk,
        patchTenantStatus: (_: string, status: { phase: string }) => {
          statuses.push(status.phase);
          current = { ...tenant, status } as unknown as Tenant;
          return Promise.resolve(current);
        },
      },
      cache,
      20,
      300,
    );
    const signal = new AbortController().signal;
    const first = await r.reconcile('acme', signal);
    expect(first.requeueAfterMs).toBeGreaterThan(20);
    expect(first.requeueAfterMs).toBeLessThanOrEqual(300);
    await sleep(40); // past the settle time, not the first one: still held
    expect((await r.reconcile('acme', signal)).requeueAfterMs).toBeGreaterThan(0);
    expect(statuses).toEqual([]);
    await sleep(270);
    expect(await r.reconcile('acme', signal)).toEqual({});
    expect(statuses).toEqual(['Provisioning']);
    // A tenant that has a status (here Ready, its rollout started again) waits the settle time only.
    current = { ...tenant, status: { phase: 'Ready', conditions: [] } } as unknown as Tenant;
    const later = await r.reconcile('acme', signal);
    expect(later.requeueAfterMs).toBeGreaterThan(0);
    expect(later.requeueAfterMs).toBeLessThanOrEqual(20);
  });

  it('leaves a due rolling-out status to the normal lane: a priority run re-queues instead of writing', async () => {
    const { r, statuses } = recordingStatuses(50);
    const signal = new AbortController().signal;
    expect((await r.reconcile('acme', signal)).requeueAfterMs).toBeGreaterThan(0);
    await sleep(60);
    // A Deployment's event after the settle time: still rolling out, not written, back in the normal lane now.
    expect(await r.reconcile('acme', signal, 'priority')).toEqual({ requeueAfterMs: 0 });
    expect(statuses).toEqual([]);
    // The tenant's turn in the normal lane writes it.
    expect(await r.reconcile('acme', signal, 'normal')).toEqual({});
    expect(statuses).toEqual(['Provisioning']);
  });

  it('prunes a ConfigMap no longer desired only once every Deployment is ready (old pods may mount it)', async () => {
    const cache = writeThroughCache();
    const stale = [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cerebro-config', namespace: 'tenant-acme' } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'engine-gone', namespace: 'tenant-acme' } },
    ];
    const deleted: string[] = [];
    (cache as unknown as { staleOwned: () => KubeObject[] }).staleOwned = () =>
      stale.filter((o) => !deleted.includes(`${o.kind}/${o.metadata.name}`));
    (cache as unknown as { deleted: () => void }).deleted = () => undefined;
    const r = reconciler(
      {
        applyObject: applyOk,
        deleteObject: (o: KubeObject) => {
          deleted.push(`${o.kind}/${o.metadata.name}`);
          return Promise.resolve();
        },
        patchTenantStatus: () => Promise.resolve(tenant),
      },
      cache,
      0,
    );
    const signal = new AbortController().signal;
    await r.reconcile('acme', signal);
    expect(deleted).toEqual(['Service/engine-gone']); // rolling out: the old ConfigMap stays
    deploymentsBecomeReady(cache);
    await r.reconcile('acme', signal);
    expect(deleted).toEqual(['Service/engine-gone', 'ConfigMap/cerebro-config']);
  });

  it('writes every change at once with a settle time of 0, and a failure at once whatever it is', async () => {
    const statuses: string[] = [];
    const patch = (_: string, status: { phase: string }) => {
      statuses.push(status.phase);
      return Promise.resolve(tenant);
    };
    const signal = new AbortController().signal;
    expect(
      await reconciler({ applyObject: applyOk, patchTenantStatus: patch }, writeThroughCache(), 0).reconcile(
        'acme',
        signal,
      ),
    ).toEqual({});
    expect(statuses).toEqual(['Provisioning']);
    await reconciler({ patchTenantStatus: patch }, writeThroughCache(), 60_000)
      .reconcile('acme', signal)
      .catch(() => undefined);
    expect(statuses).toEqual(['Provisioning', 'Degraded']);
  });

  it('tells which watched objects hold exactly what the tenant wants (an early event of its own apply)', async () => {
    const cache = writeThroughCache();
    const r = reconciler({ applyObject: applyOk, patchTenantStatus: () => Promise.resolve(tenant) }, cache);
    const ref = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'tenant-config', namespace: 'tenant-acme' },
    };
    // Nothing rendered yet: nothing is known to be in place.
    expect(r.holdsDesired('acme', ref as KubeObject)).toBe(false);
    await r.reconcile('acme', new AbortController().signal);
    const live = cache.live(ref as KubeObject)!;
    expect(r.holdsDesired('acme', live)).toBe(true);
    expect(r.holdsDesired('other', live)).toBe(false);
    // Edited by hand (a value the operator sets changed): drift, which must wake the tenant.
    const data = (live as unknown as { data: Record<string, string> }).data;
    const first = Object.keys(data)[0]!;
    const edited = { ...live, data: { ...data, [first]: `${data[first]} edited` } } as KubeObject;
    cache.wrote(edited);
    expect(r.holdsDesired('acme', edited)).toBe(false);
    // Not the cached copy (the event of an older or other version): not vouched for.
    expect(r.holdsDesired('acme', { ...live })).toBe(false);
    // An object the tenant does not want (a prune's business), or one without its kind (list items).
    const stranger = { ...live, metadata: { ...live.metadata, name: 'stranger' } };
    cache.wrote(stranger);
    expect(r.holdsDesired('acme', stranger)).toBe(false);
    const { kind: _kind, ...kindless } = live;
    expect(r.holdsDesired('acme', kindless as KubeObject)).toBe(false);
  });
});
