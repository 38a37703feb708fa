/**
 * A Tenant's life against the real control plane: create → every object exists and Ready=True
 * once the Deployments report ready; spec changes converge and prune; delete removes the
 * namespace and everything in it, then the finalizer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseCapabilities, renderTenant, type ApiCapabilities, type KubeObject } from '@cw/k8s-charts';
import { POD_FATE_ANNOTATION } from '@cw/testing/kube';
import { FINALIZER, parseTenant, type Tenant } from '@cw/tenant-model';
import type { TenantOperator } from '../src/index.js';
import { eventually } from '@cw/testing/processes';
import { isReady, startHarness, type Harness } from './kube/harness.js';

let h: Harness;
let operator: TenantOperator;
/** What this cluster serves (e.g. policy/v1beta1 on v1.20, policy/v1 from v1.21): the expected objects follow it. */
let capabilities: ApiCapabilities;

beforeAll(async () => {
  h = await startHarness('lifecycle');
  capabilities = chooseCapabilities(await h.admin.discovery.servedGroupVersions());
  operator = await h.startOperator();
});
afterAll(async () => {
  await h?.close();
});

const condition = (t: Tenant, type: string) => t.status?.conditions?.find((c) => c.type === type);

async function liveObjects(objects: KubeObject[]): Promise<Array<KubeObject | undefined>> {
  return Promise.all(objects.map((o) => h.admin.get<KubeObject>(o)));
}

describe('tenant lifecycle', () => {
  it('creates every object, reports Progressing, then Ready=True once the deployments are ready', async () => {
    const t = h.tenant({
      plan: 'team',
      seats: 5,
      engines: [{ name: 'alpha' }, { name: 'beta', readOnly: true }],
    });
    // Pods of this tenant become ready 9 s after they start (read by the emulated node from the
    // namespace): longer than a first status is held back (STATUS_FIRST_SETTLE_MS, 5 s), so
    // Provisioning is written before Ready.
    await h.admin.applyObject({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: `tenant-${t.metadata.name}`, annotations: { [POD_FATE_ANNOTATION]: 'ready:9000' } },
    });
    await h.apply(t);

    const progressing = await h.waitFor(t.metadata.name, (x) => x.status?.phase === 'Provisioning', 30_000);
    expect(condition(progressing, 'Ready')).toMatchObject({ status: 'False', reason: 'WorkloadsNotReady' });
    expect(condition(progressing, 'Progressing')).toMatchObject({ status: 'True', reason: 'RollingOut' });

    const ready = await h.waitFor(t.metadata.name, isReady, 60_000);
    expect(ready.status).toMatchObject({
      phase: 'Ready',
      namespace: `tenant-${t.metadata.name}`,
      url: `https://${t.metadata.name}.localtest.me`,
      observedGeneration: ready.metadata.generation,
    });
    expect(condition(ready, 'Degraded')).toMatchObject({ status: 'False', reason: 'AsExpected' });
    expect(ready.status!.workloads).toEqual([
      { name: 'cerebro', kind: 'cerebro', replicas: 2, readyReplicas: 2, ready: true },
      { name: 'engine-alpha', kind: 'engine', replicas: 1, readyReplicas: 1, ready: true },
      { name: 'engine-beta', kind: 'engine', replicas: 1, readyReplicas: 1, ready: true },
    ]);
    expect(ready.metadata.finalizers).toContain(FINALIZER);

    const desired = renderTenant(parseTenant(t), { capabilities });
    const live = await liveObjects(desired);
    expect(desired.filter((_, i) => !live[i]).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
    for (const obj of live) {
      const managers = (obj!.metadata.managedFields as Array<{ manager: string }>).map((f) => f.manager);
      expect(managers).toContain('tenant-operator');
    }
  });

  it('converges on spec changes: plan, engines added and removed, suspend; and prunes what is gone', async () => {
    const t = h.tenant({ engines: [{ name: 'one' }, { name: 'two' }], quota: { engines: 2 } });
    await h.apply(t);
    await h.waitFor(t.metadata.name, isReady);
    const ns = `tenant-${t.metadata.name}`;

    // plan up, engine `one` removed, `three` added, routing switched to Ingress. (spec.quota is
    // kept: v1.20's server-side apply turns a removed object field of a CRD into null.)
    const changed = h.tenant(
      {
        plan: 'team',
        seats: 10,
        engines: [{ name: 'two', replicas: 2 }, { name: 'three' }],
        routing: { mode: 'ingress' },
        quota: { engines: 3 },
      },
      t.metadata.name,
    );
    await h.apply(changed);
    const after = await h.waitFor(t.metadata.name, (x) => isReady(x) && x.status!.workloads!.length === 3);
    expect(after.status!.workloads!.map((w) => `${w.name}:${w.readyReplicas}/${w.replicas}`)).toEqual([
      'cerebro:2/2',
      'engine-three:1/1',
      'engine-two:2/2',
    ]);
    const get = (apiVersion: string, kind: string, name: string) =>
      h.admin.get<KubeObject>({ apiVersion, kind, metadata: { name, namespace: ns } });
    await eventually(
      async () => (await get('apps/v1', 'Deployment', 'engine-one')) === undefined,
      'engine-one pruned',
      20_000,
    );
    expect(await get('v1', 'Service', 'engine-one')).toBeUndefined();
    // Each engine's PodDisruptionBudget follows its engine, in the version this cluster serves, from
    // two replicas on (engine-two: 2); a single replica (engine-three) has none to guard.
    const pdb = (name: string) => get(capabilities.podDisruptionBudget, 'PodDisruptionBudget', name);
    expect(await pdb('engine-one')).toBeUndefined();
    expect(await pdb('engine-two')).toBeDefined();
    expect(await pdb('engine-three')).toBeUndefined();
    // engine-one's config file leaves the tenant's ConfigMap with it (the operator no longer applies
    // that key, so server-side apply removes it); the remaining engines keep theirs.
    const configKeys = Object.keys((await get('v1', 'ConfigMap', 'tenant-config'))?.data ?? {}).sort();
    expect(configKeys).toEqual(['cerebro.json', 'engine-three.json', 'engine-two.json']);
    expect(await get('gateway.networking.k8s.io/v1', 'HTTPRoute', 'cerebro')).toBeUndefined();
    expect(await get('networking.k8s.io/v1', 'Ingress', 'cerebro')).toBeDefined();
    const quota = await get('v1', 'ResourceQuota', 'tenant-quota');
    expect((quota as unknown as { spec: { hard: Record<string, string> } }).spec.hard['limits.cpu']).toBe(
      '16',
    );
    const nsObj = await h.admin.get<KubeObject>({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ns },
    });
    expect(nsObj!.metadata.labels!['platform.contextweaver.io/plan']).toBe('team');

    // suspend: every workload to zero, phase Suspended
    await h.apply(h.tenant({ ...changed.spec, suspended: true }, t.metadata.name));
    const suspended = await h.waitFor(
      t.metadata.name,
      (x) =>
        x.status?.phase === 'Suspended' &&
        x.status.conditions?.find((c) => c.type === 'Progressing')?.status === 'False',
    );
    expect(suspended.status!.workloads!.every((w) => w.replicas === 0 && w.readyReplicas === 0)).toBe(true);
    expect(condition(suspended, 'Ready')).toMatchObject({ status: 'False', reason: 'Suspended' });
    const cerebro = await get('apps/v1', 'Deployment', 'cerebro');
    expect((cerebro as unknown as { spec: { replicas: number } }).spec.replicas).toBe(0);

    // resume
    await h.apply(h.tenant({ ...changed.spec, suspended: false }, t.metadata.name));
    await h.waitFor(t.metadata.name, isReady);
  });

  it('marks an invalid spec Degraded, naming the field, while other tenants keep reconciling', async () => {
    // Valid for the CRD's structural schema, invalid for the model (seats outside the plan's range).
    const bad = h.tenant({ seats: 50 });
    const good = h.tenant();
    await h.apply(bad);
    await h.apply(good);
    const degraded = await h.waitFor(bad.metadata.name, (x) => x.status?.phase === 'Degraded');
    expect(condition(degraded, 'Degraded')).toMatchObject({ status: 'True', reason: 'InvalidSpec' });
    expect(condition(degraded, 'Degraded')!.message).toContain(
      "spec.seats: 50 seats is outside the starter plan's range 1-10",
    );
    await h.waitFor(good.metadata.name, isReady);

    // A Warning event explains it on the Tenant.
    const events = await eventually(
      async () => {
        const list = await h.admin.rest.request<{
          items: Array<{ reason: string; type: string; message: string }>;
        }>('GET', '/api/v1/namespaces/default/events', {
          query: { fieldSelector: `involvedObject.name=${bad.metadata.name}` },
        });
        return list.items.length > 0 ? list.items : undefined;
      },
      'the InvalidSpec event',
      30_000,
    );
    expect(events[0]).toMatchObject({ type: 'Warning', reason: 'InvalidSpec' });

    // Fixing the spec recovers.
    await h.apply(h.tenant({ seats: 5 }, bad.metadata.name));
    await h.waitFor(bad.metadata.name, isReady);
  });

  it('serves /healthz, /readyz and /metrics', async () => {
    const base = `http://127.0.0.1:${operator.httpPort}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    for (const name of [
      'cw_operator_reconcile_total',
      'cw_operator_reconcile_duration_seconds',
      'cw_operator_reconcile_errors_total',
      'cw_operator_queue_depth',
      'cw_operator_tenants',
      'cw_operator_phase_duration_seconds',
    ]) {
      expect(metrics).toContain(name);
    }
    expect(metrics).toMatch(/cw_operator_tenants\{phase="Ready"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/cw_operator_phase_total\{phase="workloads",result="ok"/);
  });

  it('on delete, removes the namespace and everything in it, then the finalizer', async () => {
    const t = h.tenant();
    await h.apply(t);
    await h.waitFor(t.metadata.name, isReady);
    const ns = `tenant-${t.metadata.name}`;
    await h.admin.deleteTenant(t.metadata.name);
    await h.waitFor(t.metadata.name, (x) => x.status?.phase === 'Terminating', 20_000).catch(() => undefined);
    await eventually(
      async () => (await h.admin.getTenant(t.metadata.name)) === undefined,
      'Tenant gone',
      90_000,
    );
    expect(
      await h.admin.get({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }),
    ).toBeUndefined();
    const leftovers = await h.admin.list('apps/v1', 'Deployment', {
      labelSelector: `platform.contextweaver.io/tenant=${t.metadata.name}`,
    });
    expect(leftovers.items).toEqual([]);
  });
});
