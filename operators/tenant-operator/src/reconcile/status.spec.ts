import { describe, expect, it } from 'vitest';
import { renderTenant } from '@cw/k8s-charts';
import { parseTenant, type Tenant } from '@cw/tenant-model';
import { computeStatus, statusChanged, workloadStatus } from './status.js';

const tenant: Tenant = {
  ...parseTenant({
    apiVersion: 'platform.contextweaver.io/v1alpha1',
    kind: 'Tenant',
    metadata: { name: 'acme' },
    spec: {
      displayName: 'A',
      plan: 'starter',
      seats: 2,
      cloud: { provider: 'local', region: 'local' },
      hostname: 'a.example.com',
    },
  }),
};
tenant.metadata.generation = 3;
const applied = { kind: 'applied' as const, errors: [], suspended: false, url: 'https://a.example.com' };
const ready = [{ name: 'cerebro', kind: 'cerebro' as const, replicas: 1, readyReplicas: 1, ready: true }];
const notReady = [{ name: 'cerebro', kind: 'cerebro' as const, replicas: 1, readyReplicas: 0, ready: false }];
const cond = (s: ReturnType<typeof computeStatus>, type: string) =>
  s.conditions!.find((c) => c.type === type)!;

describe('computeStatus', () => {
  it('is Ready with every workload ready, Provisioning before', () => {
    const before = computeStatus({ tenant, outcome: applied, workloads: notReady, now: 'T1' });
    expect(before.phase).toBe('Provisioning');
    expect(cond(before, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'WorkloadsNotReady',
      message: 'Waiting for workloads: cerebro 0/1 ready.',
    });
    expect(cond(before, 'Progressing')).toMatchObject({ status: 'True', reason: 'RollingOut' });
    const after = computeStatus({
      tenant: { ...tenant, status: before },
      outcome: applied,
      workloads: ready,
      now: 'T2',
    });
    expect(after).toMatchObject({
      phase: 'Ready',
      observedGeneration: 3,
      namespace: 'tenant-acme',
      url: 'https://a.example.com',
      workloads: ready,
    });
    expect(cond(after, 'Ready')).toMatchObject({
      status: 'True',
      lastTransitionTime: 'T2',
      observedGeneration: 3,
    });
    // Degraded stayed False: its transition time did not move.
    expect(cond(after, 'Degraded').lastTransitionTime).toBe('T1');
  });

  it('is identical when nothing changed, so no write is needed', () => {
    const first = computeStatus({ tenant, outcome: applied, workloads: ready, now: 'T1' });
    const second = computeStatus({
      tenant: { ...tenant, status: first },
      outcome: applied,
      workloads: ready,
      now: 'T9',
    });
    expect(statusChanged(first, second)).toBe(false);
  });

  it('names the field of an invalid spec, and the phase and object of a failed apply', () => {
    const invalid = computeStatus({
      tenant,
      outcome: { kind: 'invalid', issues: [{ path: 'spec.seats', message: 'too many' }] },
      workloads: [],
      now: 'T',
    });
    expect(invalid.phase).toBe('Degraded');
    expect(cond(invalid, 'Degraded')).toMatchObject({
      status: 'True',
      reason: 'InvalidSpec',
      message: 'The spec is invalid: spec.seats: too many',
    });
    const failed = computeStatus({
      tenant,
      outcome: {
        ...applied,
        errors: [{ phase: 'routing', message: 'HTTPRoute tenant-acme/cerebro: 404 NotFound' }],
      },
      workloads: ready,
      now: 'T',
    });
    expect(cond(failed, 'Degraded')).toMatchObject({
      status: 'True',
      reason: 'RoutingFailed',
      message: 'routing: HTTPRoute tenant-acme/cerebro: 404 NotFound',
    });
  });

  it('never writes an empty url (v1.20 stores "" in a custom resource as null and rejects it)', () => {
    const failedEarly = computeStatus({
      tenant,
      outcome: { kind: 'applied', errors: [{ phase: 'reconcile', message: 'x' }], suspended: false },
      workloads: [],
      now: 'T',
    });
    expect(failedEarly).not.toHaveProperty('url');
    const kept = computeStatus({
      tenant: { ...tenant, status: { url: 'https://a.example.com' } },
      outcome: { kind: 'invalid', issues: [] },
      workloads: [],
      now: 'T',
    });
    expect(kept.url).toBe('https://a.example.com');
  });

  it('reports Suspended and Terminating', () => {
    expect(
      computeStatus({ tenant, outcome: { ...applied, suspended: true }, workloads: [], now: 'T' }).phase,
    ).toBe('Suspended');
    const deleting = computeStatus({ tenant, outcome: { kind: 'deleting' }, workloads: [], now: 'T' });
    expect(deleting.phase).toBe('Terminating');
    expect(cond(deleting, 'Ready')).toMatchObject({ status: 'False', reason: 'Deleting' });
  });
});

describe('workloadStatus', () => {
  const desired = renderTenant(tenant).find((o) => o.kind === 'Deployment')!;
  it('is ready only when the controller has seen the current spec and every replica is available', () => {
    expect(workloadStatus(desired, undefined)).toMatchObject({ ready: false, readyReplicas: 0, replicas: 1 });
    const live = {
      metadata: { generation: 2 },
      spec: { replicas: 1 },
      status: {
        observedGeneration: 2,
        replicas: 1,
        readyReplicas: 1,
        updatedReplicas: 1,
        availableReplicas: 1,
      },
    };
    expect(workloadStatus(desired, live).ready).toBe(true);
    expect(workloadStatus(desired, { ...live, metadata: { generation: 3 } }).ready).toBe(false);
    expect(workloadStatus(desired, { ...live, status: { ...live.status, replicas: 2 } }).ready).toBe(false);
  });
});
