// Deletion semantics the operator's cleanup relies on: namespace deletion cascades through the
// namespace controller, and ownerReferences through the garbage collector — including a
// cluster-scoped owner (like Tenant) owning a Namespace.
import type { KubernetesObject } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestNamespace, uniqueName } from '../../src/kube/index.js';
import {
  apply,
  clients,
  ensureContractCrds,
  eventually,
  expectApiError,
  GROUP,
  widget,
  type Clients,
} from './support.js';

describe('deletion cascades', () => {
  let c: Clients;
  beforeAll(async () => {
    c = clients();
    await ensureContractCrds(c);
  });

  it('deleting a namespace removes its objects (custom resources and pods included) and then the namespace', async () => {
    const ns = (await createTestNamespace({ prefix: 'cascade' })).name;
    await apply(
      c,
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'cfg', namespace: ns },
        data: { a: '1' },
      } as KubernetesObject,
      'operator',
    );
    await apply(c, widget(ns, 'w', { size: 1 }), 'operator');
    await c.apps.createNamespacedDeployment({
      namespace: ns,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'web', image: 'registry.k8s.io/pause:3.9' }] },
          },
        },
      },
    });
    await eventually(async () =>
      expect((await c.core.listNamespacedPod({ namespace: ns })).items).toHaveLength(2),
    );

    await c.core.deleteNamespace({ name: ns });
    const terminating = await c.core.readNamespace({ name: ns });
    expect(terminating.status?.phase).toBe('Terminating');
    await eventually(() => expectApiError(c.core.readNamespace({ name: ns }), 404), 60_000);
    const leftovers = await c.custom.listCustomObjectForAllNamespaces({
      group: GROUP,
      version: 'v1',
      resourcePlural: 'widgets',
      fieldSelector: `metadata.namespace=${ns}`,
    });
    expect((leftovers as { items: unknown[] }).items).toEqual([]);
    expect(
      (await c.core.listPodForAllNamespaces({ fieldSelector: `metadata.namespace=${ns}` })).items,
    ).toEqual([]);
  }, 90_000);

  it('garbage-collects dependents of a deleted owner (background), keeps them with Orphan', async () => {
    const ns = (await createTestNamespace({ prefix: 'gc' })).name;
    const owner = await c.core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'owner' } },
    });
    const dependent = (name: string): Promise<unknown> =>
      c.core.createNamespacedConfigMap({
        namespace: ns,
        body: {
          metadata: {
            name,
            ownerReferences: [
              {
                apiVersion: 'v1',
                kind: 'ConfigMap',
                name: 'owner',
                uid: owner.metadata!.uid!,
                blockOwnerDeletion: true,
              },
            ],
          },
        },
      });
    await dependent('child');
    await c.core.deleteNamespacedConfigMap({ namespace: ns, name: 'owner', propagationPolicy: 'Background' });
    await eventually(
      () => expectApiError(c.core.readNamespacedConfigMap({ namespace: ns, name: 'child' }), 404),
      30_000,
    );

    const owner2 = await c.core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'owner2' } },
    });
    await c.core.createNamespacedConfigMap({
      namespace: ns,
      body: {
        metadata: {
          name: 'orphan',
          ownerReferences: [
            { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner2', uid: owner2.metadata!.uid! },
          ],
        },
      },
    });
    await c.core.deleteNamespacedConfigMap({ namespace: ns, name: 'owner2', propagationPolicy: 'Orphan' });
    await eventually(async () => {
      const orphan = await c.core.readNamespacedConfigMap({ namespace: ns, name: 'orphan' });
      expect(orphan.metadata?.ownerReferences ?? []).toEqual([]);
    }, 30_000);
  }, 60_000);

  it('a cluster-scoped owner (like Tenant) takes its Namespace with it (foreground)', async () => {
    const name = uniqueName('gadget');
    const gadget = await apply(
      c,
      {
        apiVersion: `${GROUP}/v1`,
        kind: 'Gadget',
        metadata: { name },
        spec: { note: 'owner' },
      } as KubernetesObject,
      'operator',
    );
    const ns = uniqueName('owned');
    await c.core.createNamespace({
      body: {
        metadata: {
          name: ns,
          ownerReferences: [
            {
              apiVersion: `${GROUP}/v1`,
              kind: 'Gadget',
              name,
              uid: gadget.metadata!.uid!,
              blockOwnerDeletion: true,
              controller: true,
            },
          ],
        },
      },
    });
    await c.custom.deleteClusterCustomObject({
      group: GROUP,
      version: 'v1',
      plural: 'gadgets',
      name,
      propagationPolicy: 'Foreground',
    });
    // Foreground: the owner waits (foregroundDeletion finalizer) until the namespace is gone.
    await eventually(() => expectApiError(c.core.readNamespace({ name: ns }), 404), 60_000);
    await eventually(
      () =>
        expectApiError(
          c.custom.getClusterCustomObject({ group: GROUP, version: 'v1', plural: 'gadgets', name }),
          404,
        ),
      30_000,
    );
  }, 90_000);
});
