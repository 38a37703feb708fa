/**
 * A stand-in for the tenant operator (copied from apps/provisioner/test/support: no project may
 * import an app's test support): it reports each generation of the Tenants it adopted as Ready
 * through the real status subresource, so a provisioning run's await-ready step can finish
 * without the real operator. Other Tenants of the shared cluster are left alone.
 */
import { KubeClient } from '@cw/k8s-client';
import type { Tenant, TenantStatus } from '@cw/tenant-model';

export class StandInOperator {
  private readonly client: KubeClient;
  private reflector?: { stop(): Promise<void> };
  private readonly owned = new Set<string>();

  constructor(kubeconfig: string) {
    this.client = KubeClient.fromKubeconfig(kubeconfig, { fieldManager: 'stand-in-operator' });
  }

  adopt(slug: string): string {
    this.owned.add(slug);
    return slug;
  }

  async start(): Promise<void> {
    const reflector = this.client.watchTenants((type, tenant) => {
      if (!this.owned.has(tenant.metadata.name) || type === 'DELETED') return;
      void this.report(tenant).catch(() => undefined);
    });
    await reflector.waitForSync();
    this.reflector = reflector;
  }

  async stop(): Promise<void> {
    await this.reflector?.stop();
  }

  private async report(tenant: Tenant): Promise<void> {
    const generation = tenant.metadata.generation ?? 0;
    if (tenant.status?.observedGeneration === generation && tenant.status.phase === 'Ready') return;
    const now = new Date().toISOString();
    const status: TenantStatus = {
      observedGeneration: generation,
      phase: tenant.spec.suspended ? 'Suspended' : 'Ready',
      namespace: `tenant-${tenant.metadata.name}`,
      url: `https://${tenant.spec.hostname}`,
      conditions: [
        { type: 'Ready', status: 'True', reason: 'WorkloadsReady', message: 'all workloads ready', lastTransitionTime: now },
        { type: 'Degraded', status: 'False', reason: 'AsExpected', message: 'all workloads ready', lastTransitionTime: now },
      ],
    };
    await this.client.patchTenantStatus(tenant.metadata.name, status);
  }
}
