import { describe, expect, it } from 'vitest';
import { applyReason } from './reconcile/drift.js';
import { trimOwned } from './cluster-cache.js';

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
