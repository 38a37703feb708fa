import { describe, expect, it } from 'vitest';
import { ANNOTATION_APPLIED_HASH, renderTenant, type KubeObject } from '@cw/k8s-charts';
import { parseTenant } from '@cw/tenant-model';
import { applyReason, containsDesired } from './drift.js';

const tenant = parseTenant({
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
});
const deployment = renderTenant(tenant).find((o) => o.kind === 'Deployment')!;
const clone = <T>(v: T): T => structuredClone(v);

/** What the API server returns: our fields, plus defaults, plus status, quantities respelled. */
function asStored(obj: KubeObject): KubeObject {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- poking at a plain manifest
  const live = clone(obj) as KubeObject & { spec: any; status?: unknown };
  delete (live as Partial<KubeObject>).apiVersion; // list items omit it
  live.metadata = { ...live.metadata, uid: 'u', resourceVersion: '42', generation: 1, managedFields: [] };
  live.spec.progressDeadlineSeconds = 600;
  live.spec.template.spec.restartPolicy = 'Always';
  live.spec.template.spec.containers[0].terminationMessagePath = '/dev/termination-log';
  live.spec.template.spec.containers[0].resources.limits.cpu = '1000m';
  live.status = { replicas: 1 };
  return live;
}

describe('applyReason', () => {
  it('is undefined for an object that holds what was applied, whatever the server added', () => {
    expect(applyReason(deployment, asStored(deployment))).toBeUndefined();
  });

  it('is missing / changed / drifted', () => {
    expect(applyReason(deployment, undefined)).toBe('missing');
    const stale = asStored(deployment);
    stale.metadata.annotations = { ...stale.metadata.annotations, [ANNOTATION_APPLIED_HASH]: 'old' };
    expect(applyReason(deployment, stale)).toBe('changed');
    const edited = asStored(deployment) as KubeObject & { spec: { replicas: number } };
    edited.spec.replicas = 7;
    expect(applyReason(deployment, edited)).toBe('drifted');
    const relabelled = asStored(deployment);
    relabelled.metadata.labels = {};
    expect(applyReason(deployment, relabelled)).toBe('drifted');
  });

  it('ignores labels and annotations added by others', () => {
    const live = asStored(deployment);
    live.metadata.labels = { ...live.metadata.labels, team: 'x' };
    live.metadata.annotations = { ...live.metadata.annotations, 'deployment.kubernetes.io/revision': '3' };
    expect(applyReason(deployment, live)).toBeUndefined();
  });
});

describe('containsDesired', () => {
  it('compares quantities by amount and lists element by element', () => {
    expect(containsDesired({ cpu: '1' }, { cpu: '1000m' })).toBe(true);
    expect(containsDesired({ cpu: '1' }, { cpu: '2' })).toBe(false);
    expect(containsDesired([{ a: 1 }], [{ a: 1, b: 2 }])).toBe(true);
    expect(containsDesired([{ a: 1 }], [{ a: 1 }, { a: 2 }])).toBe(false);
    expect(containsDesired({ a: 'x' }, { a: 'y' })).toBe(false);
    expect(containsDesired({ a: {} }, {})).toBe(false);
  });
});
