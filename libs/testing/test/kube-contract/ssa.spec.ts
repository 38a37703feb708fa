// Server-side apply, status subresource, generation and finalizers: the API behaviour a
// reconcile loop is built on.
import { PatchStrategy, type KubernetesObject, type V1ConfigMap } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestNamespace } from '../../src/kube/index.js';
import {
  apply,
  applyPatch,
  clients,
  ensureContractCrds,
  eventually,
  expectApiError,
  GROUP,
  jsonPatch,
  mergePatch,
  widget,
  type Clients,
  type Widget,
} from './support.js';

describe('server-side apply', () => {
  let c: Clients;
  let ns: string;
  beforeAll(async () => {
    c = clients();
    await ensureContractCrds(c);
    ns = (await createTestNamespace({ prefix: 'ssa' })).name;
  });

  const cm = (name: string, data: Record<string, string>): V1ConfigMap & KubernetesObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: ns, labels: { app: 'ssa' } },
    data,
  });

  it('creates, then removes a field the manager stops applying', async () => {
    const created = await apply(c, cm('removal', { a: '1', b: '2', c: '3' }), 'operator');
    expect(created.data).toEqual({ a: '1', b: '2', c: '3' });
    expect(created.metadata?.managedFields).toEqual([
      expect.objectContaining({ manager: 'operator', operation: 'Apply' }),
    ]);
    const after = await apply(c, cm('removal', { a: '1', b: '2' }), 'operator');
    expect(after.data).toEqual({ a: '1', b: '2' });
  });

  it('reports a 409 conflict naming the field and its owner, and force takes ownership', async () => {
    await apply(c, cm('conflict', { a: '1', b: '2' }), 'operator');
    const status = await expectApiError(apply(c, cm('conflict', { a: 'X' }), 'intruder'), 409);
    expect(status.reason).toBe('Conflict');
    expect(status.details?.causes).toContainEqual(
      expect.objectContaining({
        reason: 'FieldManagerConflict',
        field: '.data.a',
        message: expect.stringContaining('"operator"'),
      }),
    );
    const forced = await apply(c, cm('conflict', { a: 'X' }), 'intruder', true);
    expect(forced.data).toEqual({ a: 'X', b: '2' });
    // The operator no longer owns .data.a: dropping it from its apply leaves the intruder's value.
    const afterOperator = await apply(c, cm('conflict', { b: '2' }), 'operator');
    expect(afterOperator.data).toEqual({ a: 'X', b: '2' });
  });

  it('lets two managers share a field when they apply the same value', async () => {
    await apply(c, cm('shared', { a: '1' }), 'operator');
    const shared = await apply(c, cm('shared', { a: '1' }), 'gitops');
    expect(shared.metadata?.managedFields?.map((f) => f.manager).sort()).toEqual(['gitops', 'operator']);
  });

  it('an identical re-apply does not change resourceVersion', async () => {
    const first = await apply(c, cm('noop', { a: '1' }), 'operator');
    const again = await apply(c, cm('noop', { a: '1' }), 'operator');
    expect(again.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);
  });

  it('KubernetesObjectApi drops wire keys its models rename unless the object is converted (toModel)', async () => {
    const policy = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'same-namespace', namespace: ns },
      spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: {} }] }] },
    };
    // Plain wire JSON straight into KubernetesObjectApi: `from` is lost, so the rule allows everyone.
    const raw = await c.objects.patch(
      policy,
      undefined,
      undefined,
      'raw',
      true,
      PatchStrategy.ServerSideApply,
    );
    expect((raw as { spec: { ingress: unknown[] } }).spec.ingress).toEqual([{}]);
    const converted = await apply(c, policy, 'raw', true);
    expect((converted as { spec: { ingress: { _from?: unknown }[] } }).spec.ingress[0]?._from).toEqual([
      { podSelector: {} },
    ]);
  });
});

describe('status subresource, generation, finalizers', () => {
  let c: Clients;
  let ns: string;
  beforeAll(async () => {
    c = clients();
    await ensureContractCrds(c);
    ns = (await createTestNamespace({ prefix: 'status' })).name;
  });
  const ref = (
    name: string,
  ): { group: string; version: string; plural: string; namespace: string; name: string } => ({
    group: GROUP,
    version: 'v1',
    plural: 'widgets',
    namespace: ns,
    name,
  });

  it('generation moves with spec only; status is written only through /status', async () => {
    const created = (await apply(c, widget(ns, 'gen', { size: 1 }), 'operator')) as Widget;
    expect(created.metadata?.generation).toBe(1);

    const st = (await c.custom.patchNamespacedCustomObjectStatus(
      { ...ref('gen'), body: { status: { observedGeneration: 1, phase: 'Ready' } } },
      mergePatch,
    )) as Widget;
    expect(st.status).toEqual({ observedGeneration: 1, phase: 'Ready' });
    expect(st.metadata?.generation).toBe(1);

    // Status in a main-resource write is ignored; labels do not bump generation.
    const main = (await c.custom.patchNamespacedCustomObject(
      { ...ref('gen'), body: { metadata: { labels: { x: 'y' } }, status: { phase: 'Hacked' } } },
      mergePatch,
    )) as Widget;
    expect(main.status?.phase).toBe('Ready');
    expect(main.metadata?.generation).toBe(1);

    const bumped = (await apply(c, widget(ns, 'gen', { size: 2 }), 'operator')) as Widget;
    expect(bumped.metadata?.generation).toBe(2);
    expect(bumped.status?.observedGeneration).toBe(1);
  });

  it('status can be server-side applied by its own field manager', async () => {
    await apply(c, widget(ns, 'ssa-status', { size: 3 }), 'operator');
    const res = (await c.custom.patchNamespacedCustomObjectStatus(
      {
        ...ref('ssa-status'),
        body: {
          apiVersion: `${GROUP}/v1`,
          kind: 'Widget',
          metadata: { name: 'ssa-status', namespace: ns },
          status: { phase: 'Progressing' },
        },
        fieldManager: 'operator-status',
        force: true,
      },
      applyPatch,
    )) as Widget;
    expect(res.status?.phase).toBe('Progressing');
    expect(res.metadata?.managedFields?.map((f) => f.manager)).toContain('operator-status');
  });

  it('a finalizer holds a deleted object until it is removed', async () => {
    await apply(
      c,
      {
        ...widget(ns, 'held', { size: 4 }),
        metadata: { name: 'held', namespace: ns, finalizers: ['contract.testing/hold'] },
      },
      'operator',
    );
    await c.custom.deleteNamespacedCustomObject(ref('held'));
    const deleting = (await c.custom.getNamespacedCustomObject(ref('held'))) as Widget;
    expect(deleting.metadata?.deletionTimestamp).toBeDefined();
    // New finalizers cannot be added while deleting; removing the last one lets it go.
    await c.custom.patchNamespacedCustomObject(
      { ...ref('held'), body: [{ op: 'remove', path: '/metadata/finalizers' }] },
      jsonPatch,
    );
    await eventually(async () => expectApiError(c.custom.getNamespacedCustomObject(ref('held')), 404));
  });
});
