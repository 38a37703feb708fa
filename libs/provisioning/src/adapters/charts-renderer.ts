/**
 * TenantRenderer over libs/k8s-charts: `renderTenantManifest`, the code path of `cw render` and
 * of the operator, so the manifests kept under `tenants/<slug>/manifests/` are what the
 * operator will apply.
 */
import { renderTenantManifest, type TenantRenderOptions } from '@cw/k8s-charts';
import { formatIssue, type Tenant } from '@cw/tenant-model';
import { PendingBindingsError, PermanentStepError } from '../errors.js';
import type { KubeObject, TenantRenderer } from '../ports.js';

export class ChartsTenantRenderer implements TenantRenderer {
  constructor(private readonly options: TenantRenderOptions = {}) {}

  async render(tenant: Tenant): Promise<KubeObject[]> {
    const manifest = renderTenantManifest(tenant, this.options);
    if (!manifest.ok) {
      // Bindings are facts reported by the infrastructure: missing ones are not known yet.
      if (manifest.issues.every((issue) => issue.path.startsWith('spec.bindings.')))
        throw new PendingBindingsError(manifest.issues.map((issue) => issue.path));
      throw new PermanentStepError(
        `the Tenant "${tenant.metadata.name}" cannot be rendered: ${manifest.issues.map(formatIssue).join('; ')}`,
      );
    }
    return manifest.objects as KubeObject[];
  }
}
