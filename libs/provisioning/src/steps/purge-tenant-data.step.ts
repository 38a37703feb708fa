/**
 * purge-tenant-data (offboard only): after apply-tenant has deleted the Tenant (namespace and
 * workloads gone; render-only: OFFBOARDED.json written for the local data plane), removes the
 * tenant's data from what the platform reaches — the tenant store, the tenant vault (the
 * data-plane secrets the provisioner seeded, the IdP secret, people's credentials) and the
 * knowledge index — and says, place by place, what was removed, what goes with the workloads or
 * with the cloud stack's destroy (the next step), and what stays. Counts and names only.
 * Safe to repeat: a retry after a crash mid-purge finishes the job (and counts 0 for what went).
 */
import type { Tenant, TenantBindings } from '@cw/tenant-model';
import { ARTIFACT, readJson } from '../artifacts.js';
import { desiredTenant } from '../desired-tenant.js';
import type { ArtifactStore, PurgedArea, TenantDataPurger } from '../ports.js';
import { skipped, succeeded, type StepContext, type StepHandler, type StepResult } from '../step.js';

export interface PurgeTenantDataInput {
  /** The Tenant as it was (spec from the control plane, bindings from the stack's outputs). */
  readonly tenant: Tenant;
}

export interface PurgeTenantDataOutput {
  readonly areas: readonly PurgedArea[];
}

export class PurgeTenantDataStep implements StepHandler<PurgeTenantDataInput, PurgeTenantDataOutput> {
  readonly name = 'purge-tenant-data' as const;

  constructor(
    private readonly deps: {
      artifacts: ArtifactStore;
      /** Absent: nothing is purged and the step says so (unit tests of other steps). */
      purger?: TenantDataPurger | undefined;
    },
  ) {}

  async input(ctx: StepContext): Promise<PurgeTenantDataInput> {
    // bindings.json is removed only by the stack's destroy, which runs after this step.
    const bindings = await readJson<TenantBindings>(this.deps.artifacts, ctx.tenant.slug, ARTIFACT.bindings);
    return { tenant: desiredTenant(ctx.tenant, { goal: ctx.job.goal, bindings }) };
  }

  async run(input: PurgeTenantDataInput, ctx: StepContext): Promise<StepResult<PurgeTenantDataOutput>> {
    const { purger } = this.deps;
    if (!purger) return skipped('no tenant-data purger configured: the tenant data was not removed');
    const areas = await purger.purge(input.tenant);
    ctx.checkpoint('purged');
    const message = areas.map(describeArea).join('; ');
    // The text, not the objects: the logger redacts keys such as `credentials`, counts included.
    ctx.log.info({ slug: input.tenant.metadata.name }, `tenant data purged: ${message}`);
    return succeeded({ areas }, message);
  }
}

/** `store postgres schema tenant_acme: removed (users 2, sessions 3)`. */
export function describeArea(a: PurgedArea): string {
  const counts = Object.entries(a.counts ?? {})
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`);
  const what = {
    removed: counts.length
      ? `removed (${counts.join(', ')})`
      : a.counts
        ? 'removed (nothing left)'
        : 'removed',
    'with-workloads': 'removed with the workloads',
    'with-stack': "removed by the cloud stack's destroy",
    'not-purged': 'NOT removed',
    none: 'nothing to remove',
  }[a.outcome];
  return `${a.area} ${a.where}: ${what}${a.note ? ` — ${a.note}` : ''}`;
}
