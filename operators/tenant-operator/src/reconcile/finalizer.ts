/** Adding and removing the operator's finalizer with optimistic concurrency (JSON patch + test). */
import type { KubeClient } from '@cw/k8s-client';
import { FINALIZER, TENANT_API_VERSION, TENANT_KIND, type Tenant } from '@cw/tenant-model';

const ref = (tenant: Tenant) => ({
  apiVersion: TENANT_API_VERSION,
  kind: TENANT_KIND,
  metadata: { name: tenant.metadata.name },
});

export const hasFinalizer = (tenant: Tenant): boolean =>
  (tenant.metadata.finalizers ?? []).includes(FINALIZER);

/** Adds the finalizer; fails (409/422) if the Tenant changed since it was read, to be retried. */
export async function addFinalizer(client: KubeClient, tenant: Tenant): Promise<Tenant> {
  const finalizers = tenant.metadata.finalizers;
  return client.jsonPatch<Tenant>(ref(tenant), [
    { op: 'test', path: '/metadata/resourceVersion', value: tenant.metadata.resourceVersion },
    finalizers
      ? { op: 'add', path: '/metadata/finalizers/-', value: FINALIZER }
      : { op: 'add', path: '/metadata/finalizers', value: [FINALIZER] },
  ]);
}

export async function removeFinalizer(client: KubeClient, tenant: Tenant): Promise<Tenant> {
  const index = (tenant.metadata.finalizers ?? []).indexOf(FINALIZER);
  return client.jsonPatch<Tenant>(ref(tenant), [
    { op: 'test', path: '/metadata/resourceVersion', value: tenant.metadata.resourceVersion },
    { op: 'remove', path: `/metadata/finalizers/${index}` },
  ]);
}
