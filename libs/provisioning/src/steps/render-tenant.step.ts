/**
 * render-tenant: the Tenant object from plan + infrastructure outputs → `tenants/<slug>/tenant.yaml`,
 * and the namespace objects the operator will apply for it → `tenants/<slug>/manifests/`
 * (the code path of `cw render`), for review and GitOps. Rewriting identical files is a no-op;
 * manifests that are no longer rendered are removed.
 */
import { stringify } from 'yaml';
import type { Tenant, TenantBindings } from '@cw/tenant-model';
import {
  ARTIFACT,
  readJson,
  tenantOnboardingRecord,
  writeJson,
  type OnboardingRecord,
} from '../artifacts.js';
import { PendingBindingsError } from '../errors.js';
import { desiredTenant } from '../desired-tenant.js';
import type {
  ArtifactStore,
  DataPlaneSecrets,
  DataPlaneSecretsResult,
  KubeObject,
  TenantRenderer,
} from '../ports.js';
import { skipped, succeeded, type StepContext, type StepHandler, type StepResult } from '../step.js';

export interface RenderTenantInput {
  readonly tenant: Tenant;
  /** Seed the tenant vault's data-plane secrets (not when offboarding). */
  readonly seedSecrets?: boolean;
  /** The customer admin's e-mail: the workspace's first manager, into the vault only. */
  readonly firstManagers?: readonly string[];
  /** An onboarding record this run starts (the tenant's first provision): written with the render. */
  readonly newOnboarding?: OnboardingRecord;
}

export interface RenderTenantOutput {
  readonly tenantFile: string;
  readonly manifests: number;
  readonly suspended: boolean;
  /** Binding paths the infrastructure has not reported yet (nothing rendered to deploy). */
  readonly pendingBindings?: readonly string[];
  /** Names of the data-plane secrets created or kept in the tenant vault (never values). */
  readonly secrets?: DataPlaneSecretsResult;
}

export const toYaml = (object: unknown): string => stringify(object, { lineWidth: 0, sortMapEntries: false });

/** `manifests/07-deployment-cerebro.yaml`: apply order first, so a directory listing reads like the plan. */
export const manifestFileName = (object: KubeObject, index: number): string =>
  `${String(index).padStart(2, '0')}-${object.kind.toLowerCase()}-${object.metadata.name}.yaml`.replace(
    /[^a-z0-9.-]/gi,
    '-',
  );

export class RenderTenantStep implements StepHandler<RenderTenantInput, RenderTenantOutput> {
  readonly name = 'render-tenant' as const;

  constructor(
    private readonly deps: {
      renderer: TenantRenderer;
      artifacts: ArtifactStore;
      secrets?: DataPlaneSecrets | undefined;
    },
  ) {}

  async input(ctx: StepContext): Promise<RenderTenantInput> {
    const bindings = await readJson<TenantBindings>(this.deps.artifacts, ctx.tenant.slug, ARTIFACT.bindings);
    const kept = await tenantOnboardingRecord(this.deps.artifacts, ctx.tenant.slug, ctx.tenant.id);
    // The first provision run starts the onboarding clock at its own creation (checkout completed).
    const newOnboarding: OnboardingRecord | undefined =
      !kept && ctx.job.goal === 'provision'
        ? {
            tenantId: ctx.tenant.id,
            correlationId: ctx.run.correlationId,
            since: ctx.run.createdAt.toISOString(),
          }
        : undefined;
    const onboarding = kept ?? newOnboarding;
    return {
      tenant: desiredTenant(ctx.tenant, {
        goal: ctx.job.goal,
        bindings,
        correlationId: ctx.run.correlationId,
        ...(onboarding && { onboarding }),
      }),
      seedSecrets: ctx.job.goal !== 'offboard',
      firstManagers: ctx.tenant.adminEmail ? [ctx.tenant.adminEmail] : [],
      ...(newOnboarding && { newOnboarding }),
    };
  }

  async run(input: RenderTenantInput, ctx: StepContext): Promise<StepResult<RenderTenantOutput>> {
    const { artifacts, renderer } = this.deps;
    const slug = input.tenant.metadata.name;
    let objects: KubeObject[];
    try {
      objects = await renderer.render(input.tenant);
    } catch (error) {
      if (!(error instanceof PendingBindingsError)) throw error;
      // Keep tenant.yaml for review, but no manifests: nothing may be deployed until the values exist.
      await artifacts.write(slug, ARTIFACT.tenant, toYaml(input.tenant));
      for (const file of await artifacts.list(slug, ARTIFACT.manifestsDir))
        await artifacts.remove(slug, `${ARTIFACT.manifestsDir}/${file}`);
      await writeJson(artifacts, slug, ARTIFACT.pendingBindings, { paths: error.paths });
      return skipped(error.message, {
        tenantFile: `${slug}/${ARTIFACT.tenant}`,
        manifests: 0,
        suspended: input.tenant.spec.suspended,
        pendingBindings: error.paths,
      });
    }
    // Before the manifests: whatever starts the workloads from them finds their secrets in the vault.
    const signingKeys = input.tenant.spec.bindings.vault?.signingKeys;
    const secrets =
      input.seedSecrets && this.deps.secrets
        ? await this.deps.secrets.seed(input.tenant, {
            firstManagers: input.firstManagers ?? [],
            // The chart mounts exactly these: each must exist before anything starts from the manifests.
            ...(signingKeys && { signingKeys }),
          })
        : undefined;
    if (input.newOnboarding) await writeJson(artifacts, slug, ARTIFACT.onboarding, input.newOnboarding);
    await artifacts.remove(slug, ARTIFACT.pendingBindings);
    // A slug rendered again after an offboarding is a tenant again (the local data plane starts it).
    await artifacts.remove(slug, ARTIFACT.offboarded);
    await artifacts.write(slug, ARTIFACT.tenant, toYaml(input.tenant));
    const wanted = new Set<string>();
    for (const [i, object] of objects.entries()) {
      const file = manifestFileName(object, i + 1);
      wanted.add(file);
      await artifacts.write(slug, `${ARTIFACT.manifestsDir}/${file}`, toYaml(object));
    }
    for (const file of await artifacts.list(slug, ARTIFACT.manifestsDir)) {
      if (!wanted.has(file)) await artifacts.remove(slug, `${ARTIFACT.manifestsDir}/${file}`);
    }
    ctx.checkpoint('written');
    return succeeded(
      {
        tenantFile: `${slug}/${ARTIFACT.tenant}`,
        manifests: objects.length,
        suspended: input.tenant.spec.suspended,
        ...(secrets && { secrets }),
      },
      `${ARTIFACT.tenant} and ${objects.length} manifests${secretsSummary(secrets)}`,
    );
  }
}

function secretsSummary(result: DataPlaneSecretsResult | undefined): string {
  if (!result) return '';
  if ('skipped' in result) return `; vault secrets ${result.skipped}`;
  return result.created.length
    ? `; vault secrets created: ${result.created.join(', ')}`
    : '; vault secrets present';
}
