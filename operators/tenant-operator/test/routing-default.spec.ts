/**
 * ROUTING_DEFAULT_MODE decides the routing of Tenants that leave spec.routing.mode unset — on a
 * real cluster, where the CRD used to default the field to `gateway` at create and so silently
 * overrode the operator's setting for every Tenant applied with kubectl.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@cw/testing/processes';
import type { KubeObject } from '@cw/k8s-charts';
import { isReady, startHarness, type Harness } from './kube/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('routing-default');
  await h.startOperator({ env: { ROUTING_DEFAULT_MODE: 'ingress' } });
});
afterAll(async () => h?.close());

describe('routing default', () => {
  it('stores the Tenant without a routing mode and routes it by the operator setting; an explicit mode still wins', async () => {
    const unset = h.tenant();
    const explicit = h.tenant({ routing: { mode: 'gateway' } });
    await Promise.all([h.apply(unset), h.apply(explicit)]);
    const stored = await h.waitFor(unset.metadata.name, isReady, 60_000);
    expect(stored.spec.routing?.mode).toBeUndefined(); // the API server did not default it
    await h.waitFor(explicit.metadata.name, isReady, 60_000);

    const get = (name: string, apiVersion: string, kind: string) =>
      h.admin.get<KubeObject>({
        apiVersion,
        kind,
        metadata: { name: 'cerebro', namespace: `tenant-${name}` },
      });
    await eventually(
      async () => await get(unset.metadata.name, 'networking.k8s.io/v1', 'Ingress'),
      'the Ingress of the tenant without a mode',
      20_000,
    );
    expect(await get(unset.metadata.name, 'gateway.networking.k8s.io/v1', 'HTTPRoute')).toBeUndefined();
    expect(await get(explicit.metadata.name, 'gateway.networking.k8s.io/v1', 'HTTPRoute')).toBeDefined();
    expect(await get(explicit.metadata.name, 'networking.k8s.io/v1', 'Ingress')).toBeUndefined();
  });
});
