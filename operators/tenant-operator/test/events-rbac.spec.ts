/**
 * The operator's ServiceAccount (install manifests' RBAC) can do what its EventRecorder does:
 * create an Event and patch its count when the reason repeats. A verb missing from the
 * ClusterRole would make aggregation fail silently (events are best effort), so it is proven here.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EventRecorder, KubeClient } from '@cw/k8s-client';
import {
  createTestNamespace,
  installOperatorIdentity,
  testKubeconfigPath,
  type TestNamespace,
} from '@cw/testing/kube';

let ns: TestNamespace;
beforeAll(async () => {
  ns = await createTestNamespace({ prefix: 'op-events' });
});
afterAll(async () => ns?.delete());

it('creates and aggregates events as the tenant-operator ServiceAccount', async () => {
  const asOperator = KubeClient.fromKubeconfig(await installOperatorIdentity(testKubeconfigPath()));
  const recorder = new EventRecorder({
    rest: asOperator.rest,
    component: 'tenant-operator',
    suppressWindowMs: 1_100,
  });
  const involved = { apiVersion: 'v1', kind: 'ConfigMap', name: 'x', namespace: ns.name };
  expect(await recorder.record(involved, 'Warning', 'ApplyFailed', 'boom')).toBe(true);
  expect(await recorder.record(involved, 'Warning', 'ApplyFailed', 'boom')).toBe(false);
  await new Promise((r) => setTimeout(r, 1_200));
  expect(await recorder.record(involved, 'Warning', 'ApplyFailed', 'boom')).toBe(true);
  const admin = KubeClient.fromKubeconfig(testKubeconfigPath());
  const events = await admin.rest.request<{ items: Array<{ reason: string; count: number }> }>(
    'GET',
    `/api/v1/namespaces/${ns.name}/events`,
  );
  expect(events.items.filter((e) => e.reason === 'ApplyFailed').map((e) => e.count)).toEqual([3]);
});
