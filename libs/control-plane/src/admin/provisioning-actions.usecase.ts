/**
 * Retry from the failed step and dry run, over the provisioning pipeline (port: the app wires
 * libs/provisioning's use cases). The tenant is resolved here, so both accept an id or a slug.
 */
import type { Database } from '@cw/db';
import type { AdminContext, ProvisioningOperations } from './admin-ports.js';
import type { DryRunView, RetryResultView } from './admin-schemas.js';
import { findTenant } from './admin-views.js';

export class RetryTenantUseCase {
  constructor(
    private readonly db: Database,
    private readonly provisioning: ProvisioningOperations,
  ) {}

  async execute(ref: string, ctx: AdminContext): Promise<RetryResultView> {
    const tenant = await findTenant(this.db, ref);
    return this.provisioning.retryFromFailedStep(tenant.id, ctx.actor);
  }
}

export class DryRunTenantUseCase {
  constructor(
    private readonly db: Database,
    private readonly provisioning: ProvisioningOperations,
  ) {}

  async execute(ref: string): Promise<DryRunView> {
    const tenant = await findTenant(this.db, ref);
    return this.provisioning.dryRun(tenant.id);
  }
}
