/**
 * synthesize-infrastructure: the tenant's cloud stack (CDKTF) → `tenants/<slug>/infra/`, plus a
 * summary (hash, resource count, expected bindings) for apply-infrastructure and the dry run.
 * Synthesis is deterministic, so repeating it rewrites the same files.
 */
import { relative } from 'node:path';
import type { Tenant } from '@cw/tenant-model';
import { ARTIFACT, sha256, stableJson, writeJson, type StackSummary } from '../artifacts.js';
import { NO_CLOUD_STACK, desiredTenant, hasCloudStack } from '../desired-tenant.js';
import type { ArtifactStore, InfraSynthesizer } from '../ports.js';
import { skipped, succeeded, type StepContext, type StepHandler, type StepResult } from '../step.js';

export interface SynthesizeInfrastructureInput {
  readonly tenant: Tenant;
  readonly hasCloudStack: boolean;
}

export type SynthesizeInfrastructureOutput = Omit<StackSummary, 'files'> & { fileCount: number };

export class SynthesizeInfrastructureStep implements StepHandler<
  SynthesizeInfrastructureInput,
  SynthesizeInfrastructureOutput
> {
  readonly name = 'synthesize-infrastructure' as const;

  constructor(private readonly deps: { synthesizer: InfraSynthesizer; artifacts: ArtifactStore }) {}

  async input(ctx: StepContext): Promise<SynthesizeInfrastructureInput> {
    // No correlation id here: it would change the stack on every run for nothing.
    return {
      tenant: desiredTenant(ctx.tenant, { goal: ctx.job.goal }),
      hasCloudStack: hasCloudStack(ctx.tenant),
    };
  }

  async run(
    input: SynthesizeInfrastructureInput,
    ctx: StepContext,
  ): Promise<StepResult<SynthesizeInfrastructureOutput>> {
    if (!input.hasCloudStack) return skipped(NO_CLOUD_STACK);
    const { artifacts } = this.deps;
    const slug = input.tenant.metadata.name;
    const stack = await this.deps.synthesizer.synthesize(
      input.tenant,
      artifacts.path(slug, ARTIFACT.infraDir),
    );
    ctx.checkpoint('synthesized');
    const summary: StackSummary = {
      stackSha256: sha256(stableJson(stack.json)),
      resourceCount: stack.resourceCount,
      expectedBindings: stack.expectedBindings,
      workingDir: relative(artifacts.path(slug), stack.workingDir) || '.',
      stackFile: relative(artifacts.path(slug), stack.stackFile),
      files: [...stack.files].sort(),
    };
    await writeJson(artifacts, slug, ARTIFACT.stack, summary);
    const { files, ...rest } = summary;
    return succeeded(
      { ...rest, fileCount: files.length },
      `${stack.resourceCount} resources in ${ARTIFACT.infraDir}/`,
    );
  }
}
