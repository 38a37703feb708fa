import { describe, expect, it } from 'vitest';
import type { ObjectLike } from '@cw/k8s-client';
import { applyReason } from './reconcile/drift.js';
import { ownedChangeMatters, trimOwned } from './cluster-cache.js';

const live = {
  metadata: {
    name: 'cerebro',
    namespace: 'tenant-acme',
    uid: 'abc',
    creationTimestamp: '2026-01-01T00:00:00Z',
    resourceVersion: '42',
    generation: 3,
    labels: { 'app.kubernetes.io/name': 'cerebro' },
    annotations: {
      'platform.contextweaver.io/applied-hash': 'h1',
      'kubectl.kubernetes.io/last-applied-configuration': '{"a very":"long copy"}',
      'deployment.kubernetes.io/revision': '1',
    },
    managedFields: [{ manager: 'tenant-operator' }],
  },
  spec: { replicas: 1, template: { spec: { containers: [{ name: 'c', image: 'x' }] } } },
  status: { readyReplicas: 1, observedGeneration: 3 },
};

describe('trimOwned', () => {
  it('keeps what drift detection and readiness read, drops the rest', () => {
    expect(trimOwned(live, true)).toEqual({
      metadata: {
        name: 'cerebro',
        namespace: 'tenant-acme',
        resourceVersion: '42',
        generation: 3,
        labels: { 'app.kubernetes.io/name': 'cerebro' },
        annotations: { 'platform.contextweaver.io/applied-hash': 'h1' },
      },
      spec: live.spec,
      status: live.status,
    });
    expect(trimOwned(live, false)).not.toHaveProperty('status');
  });

  it('leaves drift detection unchanged: an edit is still seen, an unchanged object still is not', () => {
    const desired = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'cerebro',
        namespace: 'tenant-acme',
        labels: { 'app.kubernetes.io/name': 'cerebro' },
        annotations: { 'platform.contextweaver.io/applied-hash': 'h1' },
      },
      spec: { replicas: 1, template: { spec: { containers: [{ name: 'c', image: 'x' }] } } },
    };
    expect(applyReason(desired, trimOwned(live, true))).toBeUndefined();
    const edited = { ...live, spec: { ...live.spec, replicas: 5 } };
    expect(applyReason(desired, trimOwned(edited, true))).toBe('drifted');
  });
});

describe('ownedChangeMatters', () => {
  const deployment = trimOwned(live, true);
  type Live = Omit<typeof live, 'metadata' | 'status'> & {
    metadata: Record<string, unknown>;
    status: Record<string, unknown>;
  };
  const next = (patch: (o: Live) => Live) => trimOwned(patch(structuredClone(live) as Live), true);

  it('wakes nobody for a new resourceVersion alone, or status fields a reconcile does not read', () => {
    expect(
      ownedChangeMatters(
        deployment,
        next((o) => ({ ...o, metadata: { ...o.metadata, resourceVersion: '43' } })),
      ),
    ).toBe(false);
    const conditions = next((o) => ({
      ...o,
      metadata: { ...o.metadata, resourceVersion: '44' },
      status: { ...o.status, conditions: [{ type: 'Available', lastUpdateTime: 'now' }] },
    }));
    expect(ownedChangeMatters(deployment, conditions)).toBe(false);
    // The deployment controller's revision stamp: not the operator's, not compared.
    const stamped = next((o) => ({
      ...o,
      metadata: {
        ...o.metadata,
        annotations: { ...(o.metadata.annotations as object), 'deployment.kubernetes.io/revision': '2' },
      },
    }));
    expect(ownedChangeMatters(deployment, stamped)).toBe(false);
    // Counts moving on the way to ready (the controller writes them one status update at a time)
    // change neither readyReplicas nor readiness: the reconcile would compute the same status.
    expect(
      ownedChangeMatters(
        deployment,
        next((o) => ({
          ...o,
          status: { ...o.status, observedGeneration: 4, replicas: 1, updatedReplicas: 1 },
        })),
      ),
    ).toBe(false);
    // Kinds whose status is not kept: a ResourceQuota's usage changing is invisible.
    const quota = { metadata: { name: 'q', resourceVersion: '1' }, spec: { hard: { pods: '10' } } };
    const used: ObjectLike = {
      ...quota,
      metadata: { name: 'q', resourceVersion: '2' },
      status: { used: { pods: '1' } },
    } as ObjectLike;
    expect(ownedChangeMatters(trimOwned(quota, false), trimOwned(used, false))).toBe(false);
  });

  it('wakes the tenant for readiness changes and for any edit of what the operator sets', () => {
    expect(
      ownedChangeMatters(
        deployment,
        next((o) => ({ ...o, status: { ...o.status, readyReplicas: 0 } })),
      ),
    ).toBe(true);
    // The counts that make a Deployment ready, once they do (ready: observed, updated, available).
    const ready = next((o) => ({
      ...o,
      status: { ...o.status, replicas: 1, updatedReplicas: 1, availableReplicas: 1 },
    }));
    expect(ownedChangeMatters(deployment, ready)).toBe(true);
    expect(
      ownedChangeMatters(
        ready,
        next((o) => ({
          ...o,
          status: {
            ...o.status,
            replicas: 1,
            updatedReplicas: 1,
            availableReplicas: 1,
            observedGeneration: 2,
          },
        })),
      ),
    ).toBe(true);
    expect(
      ownedChangeMatters(
        deployment,
        next((o) => ({ ...o, spec: { ...o.spec, replicas: 5 } })),
      ),
    ).toBe(true);
    expect(
      ownedChangeMatters(
        deployment,
        next((o) => ({ ...o, metadata: { ...o.metadata, labels: { 'app.kubernetes.io/name': 'x' } } })),
      ),
    ).toBe(true);
    expect(
      ownedChangeMatters(
        deployment,
        next((o) => ({
          ...o,
          metadata: { ...o.metadata, annotations: { 'platform.contextweaver.io/applied-hash': 'h2' } },
        })),
      ),
    ).toBe(true);
    expect(
      ownedChangeMatters(
        deployment,
        next((o) => ({ ...o, metadata: { ...o.metadata, generation: 4 } })),
      ),
    ).toBe(true);
    expect(
      ownedChangeMatters(
        deployment,
        next((o) => ({
          ...o,
          metadata: { ...o.metadata, deletionTimestamp: '2026-01-02T00:00:00Z' },
        })),
      ),
    ).toBe(true);
  });

  it('drops the token Secrets a ServiceAccount lists (never set, never compared)', () => {
    const sa = { metadata: { name: 'cerebro', resourceVersion: '1' }, automountServiceAccountToken: false };
    const withToken = {
      ...sa,
      metadata: { name: 'cerebro', resourceVersion: '2' },
      secrets: [{ name: 'cerebro-token-x' }],
    };
    expect(trimOwned(withToken, false, ['secrets'])).not.toHaveProperty('secrets');
    expect(
      ownedChangeMatters(trimOwned(sa, false, ['secrets']), trimOwned(withToken, false, ['secrets'])),
    ).toBe(false);
  });
});
