/**
 * A stand-in for the tenant operator in the provisioner's integration tests: it reports each
 * generation of the Tenants it was given (`adopt`) as Ready — or, for held ones, not ready with a
 * message — through the real status subresource. Other Tenants in the shared test cluster (other
 * test files, the real operator's) are left alone. The journey test runs the real operator.
 */
import { KubeClient } from '@cw/k8s-client';
import type { Tenant, TenantStatus } from '@cw/tenant-model';

export class StandInOperator {
  private readonly client: KubeClient;
  private reflector?: { stop(): Promise<void> };
  /** Slugs not to report Ready, with the message to report instead. */
  readonly hold = new Map<string, string>();
  /** Tenants whose deletion the stand-in saw. */
  readonly deleted = new Set<string>();
  private readonly owned = new Set<string>();

  constructor(kubeconfig: string) {
    this.client = KubeClient.fromKubeconfig(kubeconfig, { fieldManager: 'stand-in-operator' });
  }

  /** Makes `slug` one of the stand-in's Tenants; returns it. */
  adopt(slug: string): string {
    this.owned.add(slug);
    return slug;
  }

  async start(): Promise<void> {
    const reflector = this.client.watchTenants((type, tenant) => {
      if (!this.owned.has(tenant.metadata.name)) return;
      if (type === 'DELETED') {
        this.deleted.add(tenant.metadata.name);
        return;
      }
      void this.report(tenant).catch(() => undefined);
    });
    await reflector.waitForSync();
    this.reflector = reflector;
  }

  async stop(): Promise<void> {
    await this.reflector?.stop();
  }

  /** Writes a status for the Tenant's current generation (also used to simulate drift later). */
  async setStatus(slug: string, ready: boolean, message: string): Promise<void> {
    const t = await this.client.getTenant(slug);
    if (t) await this.client.patchTenantStatus(slug, statusFor(t, ready, message));
  }

  private async report(tenant: Tenant): Promise<void> {
    const generation = tenant.metadata.generation ?? 0;
    const held = this.hold.get(tenant.metadata.name);
    if (tenant.status?.observedGeneration === generation && (held === undefined) === (tenant.status.phase === 'Ready')) return;
    await this.client.patchTenantStatus(tenant.metadata.name, statusFor(tenant, held === undefined, held ?? 'all workloads ready'));
  }
}

function statusFor(tenant: Tenant, ready: boolean, message: string): TenantStatus {
  const now = new Date().toISOString();
  return {
    observedGeneration: tenant.metadata.generation ?? 0,
    phase: ready ? (tenant.spec.suspended ? 'Suspended' : 'Ready') : 'Degraded',
    namespace: `tenant-${tenant.metadata.name}`,
    url: `https://${tenant.spec.hostname}`,
    conditions: [
      { type: 'Ready', status: ready ? 'True' : 'False', reason: ready ? 'WorkloadsReady' : 'WorkloadsNotReady', message, lastTransitionTime: now },
      { type: 'Degraded', status: ready ? 'False' : 'True', reason: ready ? 'AsExpected' : 'WorkloadsNotReady', message, lastTransitionTime: now },
    ],
  };
}
