// The emulated node: the real scheduler binds pods to it, it reports them Running/Ready (or
// another fate), and the real ReplicaSet/Deployment controllers take Deployments to Available.
import type { V1Deployment } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestNamespace,
  POD_FATE_ANNOTATION,
  startEmulatedNode,
  testCluster,
  testKubeconfigPath,
  type EmulatedNode,
} from '../../src/kube/index.js';
import { clients, eventually, mergePatch, type Clients } from './support.js';

interface Extra {
  nodeSelector?: Record<string, string>;
  annotations?: Record<string, string>;
  tolerations?: { key: string; operator: string; effect: string }[];
}
const deployment = (name: string, replicas: number, extra: Extra = {}): V1Deployment => ({
  metadata: { name },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name }, ...(extra.annotations ? { annotations: extra.annotations } : {}) },
      spec: {
        ...(extra.nodeSelector ? { nodeSelector: extra.nodeSelector } : {}),
        ...(extra.tolerations ? { tolerations: extra.tolerations } : {}),
        containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.9' }],
      },
    },
  },
});

// Pod fates only exist on emulated nodes; against a real cluster (TEST_KUBECONFIG) skip.
describe.runIf(testCluster().emulatedNode !== '')('emulated node', () => {
  let c: Clients;
  beforeAll(() => {
    c = clients();
  });

  it('a Deployment becomes Available through the real controllers', async () => {
    const ns = (await createTestNamespace({ prefix: 'node' })).name;
    const started = Date.now();
    await c.apps.createNamespacedDeployment({ namespace: ns, body: deployment('web', 3) });
    const d = await eventually(async () => {
      const got = await c.apps.readNamespacedDeployment({ namespace: ns, name: 'web' });
      expect(got.status?.availableReplicas).toBe(3);
      return got;
    });
    expect(d.status?.conditions?.find((x) => x.type === 'Available')).toMatchObject({
      status: 'True',
      reason: 'MinimumReplicasAvailable',
    });
    expect(Date.now() - started).toBeLessThan(10_000);
    const pods = await c.core.listNamespacedPod({ namespace: ns });
    for (const pod of pods.items) {
      expect(pod.spec?.nodeName).toBe(testCluster().emulatedNode);
      expect(pod.status).toMatchObject({ phase: 'Running', podIP: expect.stringMatching(/^10\.244\./) });
    }

    // Scale down: the node confirms graceful deletion, as a kubelet would.
    await c.apps.patchNamespacedDeploymentScale(
      { namespace: ns, name: 'web', body: { spec: { replicas: 1 } } },
      mergePatch,
    );
    await eventually(async () =>
      expect((await c.core.listNamespacedPod({ namespace: ns })).items).toHaveLength(1),
    );
  });

  it('honours pod-fate annotations on the namespace and the pod template', async () => {
    const ns = (await createTestNamespace({ prefix: 'fate', podFate: 'never-ready' })).name;
    await c.apps.createNamespacedDeployment({ namespace: ns, body: deployment('stuck', 2) });
    await c.apps.createNamespacedDeployment({
      namespace: ns,
      body: deployment('crashy', 1, { annotations: { [POD_FATE_ANNOTATION]: 'crash-loop:300' } }),
    });
    await eventually(async () => {
      const pods = (await c.core.listNamespacedPod({ namespace: ns, labelSelector: 'app=stuck' })).items;
      expect(pods).toHaveLength(2);
      for (const p of pods) {
        expect(p.status?.phase).toBe('Running');
        expect(p.status?.conditions?.find((x) => x.type === 'Ready')?.status).toBe('False');
      }
    });
    const stuck = await c.apps.readNamespacedDeployment({ namespace: ns, name: 'stuck' });
    expect(stuck.status?.availableReplicas ?? 0).toBe(0);
    expect(stuck.status?.unavailableReplicas).toBe(2);

    await eventually(async () => {
      const [pod] = (await c.core.listNamespacedPod({ namespace: ns, labelSelector: 'app=crashy' })).items;
      const cs = pod?.status?.containerStatuses?.[0];
      expect(cs?.state?.waiting?.reason).toBe('CrashLoopBackOff');
      expect(cs?.restartCount).toBeGreaterThanOrEqual(2);
    });

    // Changing the namespace's fate re-evaluates its pods: the stuck Deployment recovers.
    await c.core.patchNamespace(
      { name: ns, body: { metadata: { annotations: { [POD_FATE_ANNOTATION]: 'ready' } } } },
      mergePatch,
    );
    await eventually(async () => {
      expect(
        (await c.apps.readNamespacedDeployment({ namespace: ns, name: 'stuck' })).status?.availableReplicas,
      ).toBe(2);
    });
  });
});

describe('an extra in-process emulated node', () => {
  let c: Clients;
  let node: EmulatedNode;
  beforeAll(async () => {
    c = clients();
    node = await startEmulatedNode({
      kubeconfig: testKubeconfigPath(),
      labels: { 'contract.testing/pool': 'extra' },
      // Only pods that tolerate the taint come here; other test files' pods stay on the shared node.
      taints: [{ key: 'contract.testing/pool', value: 'extra', effect: 'NoSchedule' }],
      podFate: (pod) =>
        pod.metadata?.labels?.app === 'slow' ? { type: 'ready', delayMs: 1_500 } : undefined,
    });
  });
  afterAll(async () => {
    await node?.stop();
  });

  it('registers a Ready node with large allocatable and a renewed Lease', async () => {
    const [name] = node.nodeNames;
    const n = await c.core.readNode({ name: name! });
    expect(n.status?.conditions?.find((x) => x.type === 'Ready')?.status).toBe('True');
    expect(n.status?.allocatable).toMatchObject({ pods: '10k', cpu: '1k' });
    expect(n.spec?.taints).toEqual([{ key: 'contract.testing/pool', value: 'extra', effect: 'NoSchedule' }]);
    const lease = await c.kc
      .makeApiClient((await import('@kubernetes/client-node')).CoordinationV1Api)
      .readNamespacedLease({
        namespace: 'kube-node-lease',
        name: name!,
      });
    expect(lease.spec?.holderIdentity).toBe(name);
    expect(Date.now() - new Date(lease.spec!.renewTime!).getTime()).toBeLessThan(15_000);
  });

  it('applies a per-pod fate chooser (delayed readiness) to pods scheduled onto it', async () => {
    const ns = (await createTestNamespace({ prefix: 'extra' })).name;
    await c.apps.createNamespacedDeployment({
      namespace: ns,
      body: deployment('slow', 1, {
        nodeSelector: { 'contract.testing/pool': 'extra' },
        tolerations: [{ key: 'contract.testing/pool', operator: 'Exists', effect: 'NoSchedule' }],
      }),
    });
    const pod = await eventually(async () => {
      const [p] = (await c.core.listNamespacedPod({ namespace: ns })).items;
      expect(p?.spec?.nodeName).toBe(node.nodeNames[0]);
      return p!;
    });
    // Still Pending right after binding; Ready after the configured delay.
    expect(pod.status?.phase ?? 'Pending').toBe('Pending');
    await eventually(async () => {
      expect(
        (await c.apps.readNamespacedDeployment({ namespace: ns, name: 'slow' })).status?.availableReplicas,
      ).toBe(1);
    });
    expect(node.stats.statusWrites).toBeGreaterThanOrEqual(1);
  });
});
