/**
 * ClusterStatusReader over the cluster (KUBECONFIG): the Tenant's `status` as the operator wrote
 * it. The Kubernetes client is loaded on first use (seconds of start-up otherwise).
 */
import type { ClusterGateway } from '@cw/provisioning';
import type { ClusterStatusReader, ClusterTenantStatus } from '@cw/control-plane';

export class KubeClusterStatusReader implements ClusterStatusReader {
  private gateway?: Promise<ClusterGateway>;

  constructor(private readonly kubeconfig: string) {}

  async tenantStatus(slug: string): Promise<ClusterTenantStatus> {
    this.gateway ??= import('@cw/provisioning').then((lib) =>
      lib.KubeClusterGateway.fromKubeconfig(this.kubeconfig),
    );
    const tenant = await (await this.gateway).getTenant(slug);
    if (!tenant)
      return {
        status: null,
        reason: 'the Tenant is not in the cluster (not applied yet, or already removed)',
      };
    if (!tenant.status)
      return { status: null, reason: 'the operator has not written a status for this Tenant yet' };
    return { status: tenant.status, reason: null };
  }
}
