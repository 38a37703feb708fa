// Version differences the product must decide by API discovery (docs/testing.md, "Supported
// Kubernetes versions"). The helper below is the sketch given there for libs/k8s-client.
import { ApisApi, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestNamespace } from '../../src/kube/index.js';
import { clients, serverMinor, type Clients } from './support.js';

async function apiVersionFor(kc: KubeConfig, kind: string, groups: string[]): Promise<string | undefined> {
  const apis = await kc.makeApiClient(ApisApi).getAPIVersions();
  for (const g of apis.groups.filter((x) => groups.includes(x.name))) {
    const versions = [g.preferredVersion, ...g.versions].filter(
      (v): v is NonNullable<typeof v> => v !== undefined,
    );
    for (const v of versions) {
      const res = await kc
        .makeApiClient(CustomObjectsApi)
        .getAPIResources({ group: g.name, version: v.version });
      if (res.resources.some((r) => r.kind === kind)) return v.groupVersion;
    }
  }
  return undefined;
}

describe('API discovery across versions', () => {
  let c: Clients;
  let minor: number;
  beforeAll(async () => {
    c = clients();
    minor = await serverMinor(c);
  });

  it('finds the served version of version-dependent kinds', async () => {
    expect(await apiVersionFor(c.kc, 'PodDisruptionBudget', ['policy'])).toBe(
      minor >= 21 ? 'policy/v1' : 'policy/v1beta1',
    );
    expect(await apiVersionFor(c.kc, 'CronJob', ['batch'])).toBe(minor >= 21 ? 'batch/v1' : 'batch/v1beta1');
    expect(await apiVersionFor(c.kc, 'HorizontalPodAutoscaler', ['autoscaling'])).toBe(
      minor >= 23 ? 'autoscaling/v2' : 'autoscaling/v1',
    );
    expect(await apiVersionFor(c.kc, 'HTTPRoute', ['gateway.networking.k8s.io'])).toBe(
      'gateway.networking.k8s.io/v1',
    );
    expect(await apiVersionFor(c.kc, 'Nonexistent', ['policy'])).toBeUndefined();
  });

  it('sets the kubernetes.io/metadata.name namespace label only from v1.21', async () => {
    const { name } = await createTestNamespace({ prefix: 'label' });
    const ns = await c.core.readNamespace({ name });
    expect(ns.metadata?.labels?.['kubernetes.io/metadata.name']).toBe(minor >= 21 ? name : undefined);
  });
});
