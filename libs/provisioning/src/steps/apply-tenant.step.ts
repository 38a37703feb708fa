/**
 * apply-tenant: server-side apply of `tenants/<slug>/tenant.yaml` when a cluster is configured;
 * render-only otherwise (the tenant is `provisioned (render-only)` and the step shows the kubectl
 * command). With the offboard goal it deletes the Tenant and waits until the operator's finalizer
 * has let it go; then (with or without a cluster) it removes `manifests/` and writes
 * `OFFBOARDED.json`; render-only, `tenant.yaml` goes too: a slug without any render is what
 * `npm start`'s local data plane reads as offboarded (it stops the processes, removes their
 * folder, and its router answers "gone"). SSA under one field manager makes a repeat a no-op.
 */
import { parse } from 'yaml';
import { parseTenant, type Tenant } from '@cw/tenant-model';
import {
  ARTIFACT,
  objectKey,
  pendingBindings,
  readJson,
  writeJson,
  type AppliedKubernetes,
  type OffboardedMarker,
} from '../artifacts.js';
import { PermanentStepError, WaitTimeoutError } from '../errors.js';
import type { ArtifactStore, ClusterGateway, KubeObject } from '../ports.js';
import { skipped, succeeded, type StepContext, type StepHandler, type StepResult } from '../step.js';

export interface ApplyTenantInput {
  readonly slug: string;
  readonly delete: boolean;
  /** The rendered Tenant (absent only when offboarding a tenant that was never rendered). */
  readonly tenant?: Tenant;
  readonly manifests: readonly KubeObject[];
  readonly tenantFile: string;
  /** render-tenant is waiting for these bindings: nothing to apply yet. */
  readonly pendingBindings?: readonly string[];
}

export type ApplyTenantOutput =
  | {
      readonly mode: 'cluster';
      readonly action: 'apply';
      readonly server: string;
      readonly generation: number;
    }
  | { readonly mode: 'cluster'; readonly action: 'delete'; readonly server: string; readonly marker: string }
  | { readonly mode: 'render-only'; readonly command: string }
  | {
      readonly mode: 'render-only';
      readonly action: 'delete';
      /** `tenants/<slug>/OFFBOARDED.json`: the local data plane's signal. */
      readonly marker: string;
      readonly manifestsRemoved: number;
    }
  | { readonly mode: 'pending-infrastructure'; readonly pendingBindings: readonly string[] };

export const RENDER_ONLY = 'provisioned (render-only)';

export class ApplyTenantStep implements StepHandler<ApplyTenantInput, ApplyTenantOutput> {
  readonly name = 'apply-tenant' as const;

  constructor(
    private readonly deps: {
      artifacts: ArtifactStore;
      /** Absent: no cluster configured, render only. */
      cluster?: ClusterGateway;
      /** How long offboarding waits for the Tenant (and, by its finalizer, the namespace) to go. */
      deleteTimeoutMs: number;
    },
  ) {}

  async input(ctx: StepContext): Promise<ApplyTenantInput> {
    const { artifacts } = this.deps;
    const slug = ctx.tenant.slug;
    const text = await artifacts.read(slug, ARTIFACT.tenant);
    const manifests: KubeObject[] = [];
    for (const file of await artifacts.list(slug, ARTIFACT.manifestsDir)) {
      const doc = await artifacts.read(slug, `${ARTIFACT.manifestsDir}/${file}`);
      if (doc) manifests.push(parse(doc) as KubeObject);
    }
    const remove = ctx.job.goal === 'offboard';
    if (text === undefined && !remove)
      throw new PermanentStepError(`${ARTIFACT.tenant} is missing: render-tenant has not run for "${slug}"`);
    return {
      slug,
      delete: remove,
      tenant: text === undefined ? undefined : parseTenant(parse(text)),
      manifests,
      tenantFile: artifacts.path(slug, ARTIFACT.tenant),
      pendingBindings: remove ? undefined : await pendingBindings(artifacts, slug),
    };
  }

  async run(input: ApplyTenantInput, ctx: StepContext): Promise<StepResult<ApplyTenantOutput>> {
    const { artifacts, cluster } = this.deps;
    if (input.delete) {
      if (cluster) {
        await cluster.deleteTenant(input.slug);
        ctx.checkpoint('deleted');
        try {
          await cluster.waitForTenant(input.slug, (t) => t === undefined, this.deps.deleteTimeoutMs);
        } catch (error) {
          if (!(error instanceof WaitTimeoutError)) throw error;
          throw new Error(
            `Tenant "${input.slug}" still exists ${Math.round(this.deps.deleteTimeoutMs / 1000)} s after deletion (is the operator running?)`,
          );
        }
      }
      const removed = await this.markOffboarded(input.slug, ctx);
      const marker = `${input.slug}/${ARTIFACT.offboarded}`;
      if (cluster)
        return succeeded(
          { mode: 'cluster', action: 'delete', server: cluster.server, marker },
          `Tenant ${input.slug} deleted`,
        );
      // Render-only: no render left at all is what npm start's local data plane reads as offboarded
      // (with a cluster, tenant.yaml stays as the record of what was deleted).
      await artifacts.remove(input.slug, ARTIFACT.tenant);
      return succeeded(
        { mode: 'render-only', action: 'delete', marker, manifestsRemoved: removed },
        `no cluster configured (render-only): tenant.yaml and ${removed} manifests removed, ${marker} written, so npm start's local data plane stops the tenant and removes its folder; on a cluster run kubectl delete tenant ${input.slug}`,
      );
    }
    if (input.pendingBindings)
      return skipped(
        `not applied: waiting for the infrastructure pipeline to report ${input.pendingBindings.join(', ')}`,
        {
          mode: 'pending-infrastructure',
          pendingBindings: input.pendingBindings,
        },
      );
    const tenant = input.tenant!;
    const snapshot = async (): Promise<void> => {
      const objects: Record<string, KubeObject> = {};
      for (const o of [tenant as unknown as KubeObject, ...input.manifests]) objects[objectKey(o)] = o;
      const applied: AppliedKubernetes = { runId: ctx.run.id, appliedAt: new Date().toISOString(), objects };
      await writeJson(artifacts, input.slug, ARTIFACT.appliedKubernetes, applied);
    };
    if (!cluster) {
      const command = `kubectl apply --server-side -f ${input.tenantFile}`;
      await snapshot();
      return succeeded({ mode: 'render-only', command }, `${RENDER_ONLY}: ${command}`);
    }
    const applied = await cluster.applyTenant(tenant);
    ctx.checkpoint('applied');
    await snapshot();
    return succeeded(
      { mode: 'cluster', action: 'apply', server: cluster.server, generation: applied.generation },
      `Tenant ${input.slug} applied (generation ${applied.generation})`,
    );
  }

  /**
   * The workloads are gone (or, render-only, about to be): no manifests stay to start them from,
   * and OFFBOARDED.json says why. Its first write is kept on a repeat (its time is when the Tenant went).
   */
  private async markOffboarded(slug: string, ctx: StepContext): Promise<number> {
    const { artifacts } = this.deps;
    const files = await artifacts.list(slug, ARTIFACT.manifestsDir);
    // The folder itself: an empty manifests/ still reads as "rendered" to the local data plane.
    await artifacts.remove(slug, ARTIFACT.manifestsDir);
    await artifacts.remove(slug, ARTIFACT.appliedKubernetes);
    if (!(await readJson<OffboardedMarker>(artifacts, slug, ARTIFACT.offboarded))) {
      const marker: OffboardedMarker = {
        slug,
        runId: ctx.run.id,
        correlationId: ctx.run.correlationId,
        at: new Date().toISOString(),
      };
      await writeJson(artifacts, slug, ARTIFACT.offboarded, marker);
    }
    return files.length;
  }
}
