/**
 * apply-infrastructure: hands the synthesized stack to the executor (gitops marker or terraform
 * init/plan/apply) and keeps its outputs as the tenant's bindings; with the offboard goal, asks
 * the executor to destroy it. Both executors are idempotent: an unchanged stack is a no-op.
 */
import type { Tenant } from '@cw/tenant-model';
import {
  ARTIFACT,
  readJson,
  terraformResources,
  writeJson,
  type AppliedInfra,
  type StackSummary,
} from '../artifacts.js';
import { NO_CLOUD_STACK, desiredTenant, hasCloudStack } from '../desired-tenant.js';
import type { ArtifactStore, InfraApplyRequest, InfraExecutor, TerraformJson } from '../ports.js';
import { skipped, succeeded, type StepContext, type StepHandler, type StepResult } from '../step.js';

export interface ApplyInfrastructureInput {
  readonly tenant: Tenant;
  readonly hasCloudStack: boolean;
  readonly destroy: boolean;
  /** Absent when nothing was synthesized (yet). */
  readonly stack?: StackSummary;
}

export interface ApplyInfrastructureOutput {
  readonly executor: InfraExecutor['kind'];
  readonly action: 'apply' | 'destroy';
  readonly summary: string;
  readonly bindings?: Tenant['spec']['bindings'];
}

export class ApplyInfrastructureStep implements StepHandler<
  ApplyInfrastructureInput,
  ApplyInfrastructureOutput
> {
  readonly name = 'apply-infrastructure' as const;

  constructor(private readonly deps: { executor: InfraExecutor; artifacts: ArtifactStore }) {}

  async input(ctx: StepContext): Promise<ApplyInfrastructureInput> {
    return {
      tenant: desiredTenant(ctx.tenant, { goal: ctx.job.goal }),
      hasCloudStack: hasCloudStack(ctx.tenant),
      destroy: ctx.job.goal === 'offboard',
      stack: await readJson<StackSummary>(this.deps.artifacts, ctx.tenant.slug, ARTIFACT.stack),
    };
  }

  async run(
    input: ApplyInfrastructureInput,
    ctx: StepContext,
  ): Promise<StepResult<ApplyInfrastructureOutput>> {
    if (!input.hasCloudStack) return skipped(NO_CLOUD_STACK);
    const { artifacts, executor } = this.deps;
    const slug = input.tenant.metadata.name;
    if (!input.stack) {
      if (input.destroy) return skipped('no cloud stack was ever synthesized for this tenant');
      throw new Error(`${ARTIFACT.stack} is missing: synthesize-infrastructure has not run for "${slug}"`);
    }
    const request: InfraApplyRequest = {
      tenant: input.tenant,
      infraDir: artifacts.path(slug, ARTIFACT.infraDir),
      workingDir: artifacts.path(slug, input.stack.workingDir),
      expectedBindings: input.stack.expectedBindings,
      stackSha256: input.stack.stackSha256,
      runId: ctx.run.id,
      correlationId: ctx.run.correlationId,
    };
    if (input.destroy) {
      const { summary } = await executor.destroy(request);
      ctx.checkpoint('destroyed');
      await artifacts.remove(slug, ARTIFACT.appliedInfra);
      await artifacts.remove(slug, ARTIFACT.bindings);
      return succeeded({ executor: executor.kind, action: 'destroy', summary }, summary);
    }
    const result = await executor.apply(request);
    ctx.checkpoint('applied');
    await writeJson(artifacts, slug, ARTIFACT.bindings, result.bindings);
    const json = await readJson<TerraformJson>(artifacts, slug, input.stack.stackFile);
    const applied: AppliedInfra = {
      runId: ctx.run.id,
      appliedAt: new Date().toISOString(),
      stackSha256: input.stack.stackSha256,
      resources: json ? terraformResources(json) : {},
    };
    await writeJson(artifacts, slug, ARTIFACT.appliedInfra, applied);
    return succeeded(
      { executor: executor.kind, action: 'apply', summary: result.summary, bindings: result.bindings },
      result.summary,
    );
  }
}
