/** KubeClient against the real control plane: SSA, reads, deletes, Tenant helpers, discovery, leases, events. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestNamespace,
  testKubeconfigPath,
  uniqueName,
  uniqueTenantName,
  type TestNamespace,
} from '@cw/testing/kube';
import type { Tenant } from '@cw/tenant-model';
import { EventRecorder, KubeClient, LeaderElector, loadKubeConfig, type AnyObject } from '../../src/index.js';

let client: KubeClient;
let ns: TestNamespace;
beforeAll(async () => {
  client = KubeClient.fromKubeconfig(testKubeconfigPath(), { fieldManager: 'k8s-client-test' });
  ns = await createTestNamespace({ prefix: 'k8s-client' });
});
afterAll(async () => {
  await ns?.delete();
});

const configMap = (name: string, data: Record<string, string>): AnyObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: ns.name },
  data,
});

describe('KubeClient', () => {
  it('loads a kubeconfig and names a missing one', () => {
    expect(loadKubeConfig(testKubeconfigPath()).getCurrentCluster()?.server).toMatch(/^https?:\/\//);
    expect(() => loadKubeConfig('/nope/kubeconfig')).toThrow('kubeconfig /nope/kubeconfig does not exist');
  });

  it('creates and updates with server-side apply under its field manager', async () => {
    const created = await client.applyObject(configMap('a', { x: '1' }));
    expect(created.metadata.uid).toBeDefined();
    const [updated] = await client.applyObjects([configMap('a', { x: '2' })]);
    expect((updated as AnyObject & { data: Record<string, string> }).data).toEqual({ x: '2' });
    const live = await client.get<
      AnyObject & { metadata: { managedFields: Array<{ manager: string; operation: string }> } }
    >(configMap('a', {}));
    expect(live!.metadata.managedFields.map((f) => `${f.manager}/${f.operation}`)).toContain(
      'k8s-client-test/Apply',
    );
  });

  it('takes over fields another manager changed (force)', async () => {
    await client.mergePatch(configMap('a', {}), { data: { x: 'edited' } });
    const reapplied = await client.applyObject<AnyObject & { data: Record<string, string> }>(
      configMap('a', { x: '2' }),
    );
    expect(reapplied.data.x).toBe('2');
  });

  it('lists by label, gets, and deletes (false when already gone)', async () => {
    await client.applyObject({
      ...configMap('b', {}),
      metadata: { name: 'b', namespace: ns.name, labels: { pick: 'me' } },
    });
    const { items } = await client.list('v1', 'ConfigMap', { namespace: ns.name, labelSelector: 'pick=me' });
    expect(items.map((i) => [i.kind, i.metadata.name])).toEqual([['ConfigMap', 'b']]);
    expect(await client.deleteObject(configMap('b', {}))).toBe(true);
    expect(await client.deleteObject(configMap('b', {}))).toBe(false);
    expect(await client.get(configMap('b', {}))).toBeUndefined();
  });

  it('decides API versions by discovery', async () => {
    const served = await client.discovery.servedGroupVersions();
    expect(served.has('apps/v1')).toBe(true);
    expect(served.has('policy/v1beta1') || served.has('policy/v1')).toBe(true);
    expect(await client.discovery.resource('v1', 'Namespace')).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      plural: 'namespaces',
      namespaced: false,
    });
    await expect(
      client.applyObject({ apiVersion: 'example.com/v1', kind: 'Nope', metadata: { name: 'x' } }),
    ).rejects.toThrow(/not served by this cluster/);
  });

  it('gets, watches, waits for, patches the status of and deletes Tenants', async () => {
    const name = uniqueTenantName('kc');
    const tenant = {
      apiVersion: 'platform.contextweaver.io/v1alpha1',
      kind: 'Tenant',
      metadata: { name },
      spec: {
        displayName: 'K',
        plan: 'starter',
        seats: 2,
        cloud: { provider: 'local', region: 'local' },
        hostname: `${name}.localtest.me`,
      },
    };
    const seen: string[] = [];
    const watch = client.watchTenants((type, t) => t.metadata.name === name && seen.push(type));
    await watch.waitForSync();
    await client.applyObject(tenant);
    const waiting = client.waitForTenant(name, (t: Tenant) => t.status?.phase === 'Ready', 10_000);
    const stored = await client.getTenant(name);
    expect(stored!.spec.suspended).toBe(false); // CRD defaults applied
    const status = {
      phase: 'Ready' as const,
      observedGeneration: 1,
      namespace: `tenant-${name}`,
      url: `https://${name}.localtest.me`,
      conditions: [],
      workloads: [],
    };
    await client.patchTenantStatus(name, status);
    expect((await waiting).status).toMatchObject({ phase: 'Ready' });
    await expect(client.waitForTenant(name, () => false, 300)).rejects.toThrow(
      /condition not met within 300 ms; last status: .*Ready/,
    );
    expect(await client.deleteTenant(name, { wait: true, timeoutMs: 10_000 })).toBe(true);
    expect(await client.getTenant(name)).toBeUndefined();
    await watch.stop();
    expect(seen).toContain('ADDED');
    expect(seen).toContain('DELETED');
  });

  it('elects exactly one leader for a lease, and hands over on release', async () => {
    const leaseName = uniqueName('lease');
    const leading = new Set<string>();
    const electors = ['one', 'two'].map(
      (id) =>
        new LeaderElector({
          rest: client.rest,
          namespace: ns.name,
          name: leaseName,
          identity: id,
          leaseDurationSeconds: 2,
          renewDeadlineMs: 1_500,
          retryPeriodMs: 200,
          onStartedLeading: () => leading.add(id),
          onStoppedLeading: () => leading.delete(id),
        }),
    );
    electors.forEach((e) => e.start());
    await new Promise((r) => setTimeout(r, 1_500));
    expect(leading.size).toBe(1);
    const [leader] = [...leading];
    const index = leader === 'one' ? 0 : 1;
    await electors[index]!.stop();
    for (let i = 0; i < 50 && !electors[1 - index]!.isLeader; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(electors[1 - index]!.isLeader).toBe(true);
    await electors[1 - index]!.stop();
  });

  it('records events once per reason and message within the window', async () => {
    const recorder = new EventRecorder({ rest: client.rest, component: 'k8s-client-test' });
    const involved = { apiVersion: 'v1', kind: 'ConfigMap', name: 'a', namespace: ns.name };
    expect(await recorder.record(involved, 'Warning', 'Broken', 'it broke')).toBe(true);
    expect(await recorder.record(involved, 'Warning', 'Broken', 'it broke')).toBe(false);
    const events = await client.rest.request<{
      items: Array<{ reason: string; type: string; source: { component: string } }>;
    }>('GET', `/api/v1/namespaces/${ns.name}/events`);
    expect(events.items.filter((e) => e.reason === 'Broken')).toHaveLength(1);
    expect(events.items[0]).toMatchObject({ type: 'Warning', source: { component: 'k8s-client-test' } });
  });

  it('aggregates repeats: one Event whose count and lastTimestamp are patched at most once per window, a new one when it expired', async () => {
    const recorder = new EventRecorder({
      rest: client.rest,
      component: 'k8s-client-test',
      suppressWindowMs: 1_100,
    });
    const involved = { apiVersion: 'v1', kind: 'ConfigMap', name: 'b', namespace: ns.name };
    type Ev = {
      metadata: { name: string };
      reason: string;
      count: number;
      firstTimestamp: string;
      lastTimestamp: string;
    };
    const list = async () =>
      (
        await client.rest.request<{ items: Ev[] }>('GET', `/api/v1/namespaces/${ns.name}/events`)
      ).items.filter((e) => e.reason === 'Flapping');
    expect(await recorder.record(involved, 'Warning', 'Flapping', 'down again')).toBe(true);
    for (let i = 0; i < 4; i++)
      expect(await recorder.record(involved, 'Warning', 'Flapping', 'down again')).toBe(false);
    await new Promise((r) => setTimeout(r, 1_200)); // timestamps have second resolution
    expect(await recorder.record(involved, 'Warning', 'Flapping', 'down again')).toBe(true); // patched: 1 + 4 + 1
    let events = await list();
    expect(events).toHaveLength(1);
    expect(events[0]!.count).toBe(6);
    expect(Date.parse(events[0]!.lastTimestamp)).toBeGreaterThan(Date.parse(events[0]!.firstTimestamp));
    // The Event expired (deleted here): the next occurrence after the window creates a new one.
    await client.rest.request('DELETE', `/api/v1/namespaces/${ns.name}/events/${events[0]!.metadata.name}`);
    await new Promise((r) => setTimeout(r, 1_200));
    expect(await recorder.record(involved, 'Warning', 'Flapping', 'down again')).toBe(true);
    events = await list();
    expect(events).toHaveLength(1);
    expect(events[0]!.count).toBe(1);
  });
});
