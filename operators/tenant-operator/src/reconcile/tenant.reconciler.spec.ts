/**
 * The reconcile's error reporting without a cluster: every API call fails, so the phases fail and
 * then the status write fails too; both errors must reach the caller (and its log).
 */
import { describe, expect, it } from 'vitest';
import { KubeApiError, type EventRecorder, type KubeClient } from '@cw/k8s-client';
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
    engines: [{ name: 'main', plugins: ['filesystem'] }],
  },
} as unknown as Tenant;

const unavailable = (what: string) => new KubeApiError(503, 'ServiceUnavailable', what, 'PATCH', `/${what}`);

function reconcilerWithFailingApi(): TenantReconciler {
  const client = {
    applyObject: () => Promise.reject(unavailable('apply')),
    deleteObject: () => Promise.reject(unavailable('delete')),
    patchTenantStatus: () => Promise.reject(unavailable('status')),
  } as unknown as KubeClient;
  const cache = {
    tenants: { get: () => tenant, upsert: () => undefined },
    live: () => undefined,
    ownedBy: () => [],
    wrote: () => undefined,
  } as unknown as ClusterCache;
  const silent = { info() {}, warn() {}, error() {}, debug() {} };
  return new TenantReconciler({
    client,
    cache,
    renderOptions: () => ({}),
    events: { record: () => Promise.resolve() } as unknown as EventRecorder,
    metrics: new OperatorMetrics(
      { queueDepth: () => 0, tenantPhases: () => [], isLeader: () => true },
      { defaultMetrics: false },
    ),
    log: silent,
  });
}

describe('TenantReconciler error reporting', () => {
  it('keeps the phase errors when writing status fails afterwards', async () => {
    const error = await reconcilerWithFailingApi()
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
});
