/**
 * Dry run (admin API "preview"): what re-applying the tenant's current desired spec would change,
 * as a diff against the last applied artifacts — cloud resources by Terraform address, Kubernetes
 * objects by apiVersion/kind/namespace/name. Synthesizes and renders into a scratch directory and
 * memory only: nothing in `tenants/<slug>/`, the cluster or the queue changes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ANNOTATION_CORRELATION_ID, type TenantBindings } from '@cw/tenant-model';
import {
  ARTIFACT,
  objectKey,
  readJson,
  tenantOnboardingRecord,
  terraformResources,
  type AppliedInfra,
  type AppliedKubernetes,
} from '../artifacts.js';
import { desiredTenant, hasCloudStack } from '../desired-tenant.js';
import { diffResources, emptyDiff, type ResourceDiff } from '../diff.js';
import { TenantNotFoundError } from '../errors.js';
import type { ArtifactStore, InfraSynthesizer, KubeObject, RunStore, TenantRenderer } from '../ports.js';

export interface DryRunResult {
  readonly tenantId: string;
  readonly slug: string;
  readonly infra: ResourceDiff;
  readonly kubernetes: ResourceDiff;
  /** When the compared artifacts were applied (absent: never applied, everything is added). */
  readonly lastApplied: { readonly infra?: string; readonly kubernetes?: string };
}

export interface DryRunDeps {
  readonly store: RunStore;
  readonly artifacts: ArtifactStore;
  readonly synthesizer: InfraSynthesizer;
  readonly renderer: TenantRenderer;
}

/** The correlation id changes every run by design; it is not a change worth showing. */
function withoutCorrelation(object: KubeObject): KubeObject {
  const annotations = { ...((object.metadata.annotations as Record<string, string> | undefined) ?? {}) };
  delete annotations[ANNOTATION_CORRELATION_ID];
  const metadata = { ...object.metadata, annotations };
  if (Object.keys(annotations).length === 0) delete (metadata as { annotations?: unknown }).annotations;
  return { ...object, metadata };
}

export async function dryRun(deps: DryRunDeps, tenantId: string): Promise<DryRunResult> {
  const { store, artifacts, synthesizer, renderer } = deps;
  const tenant = await store.getTenant(tenantId);
  if (!tenant) throw new TenantNotFoundError(tenantId);
  const slug = tenant.slug;
  let bindings = await readJson<TenantBindings>(artifacts, slug, ARTIFACT.bindings);
  const appliedInfra = await readJson<AppliedInfra>(artifacts, slug, ARTIFACT.appliedInfra);
  const appliedKube = await readJson<AppliedKubernetes>(artifacts, slug, ARTIFACT.appliedKubernetes);

  let infra = emptyDiff();
  if (hasCloudStack(tenant)) {
    const scratch = await mkdtemp(join(tmpdir(), `cw-dry-run-${slug}-`));
    try {
      const stack = await synthesizer.synthesize(desiredTenant(tenant, { goal: 'update' }), scratch);
      infra = diffResources(appliedInfra?.resources ?? {}, terraformResources(stack.json));
      // Never applied: preview with the bindings the stack is known to produce.
      bindings ??= stack.expectedBindings;
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  // The kept onboarding annotations are part of what a run applies: not a change either.
  const onboarding = await tenantOnboardingRecord(artifacts, slug, tenant.id);
  const desired = desiredTenant(tenant, {
    goal: 'update',
    bindings,
    ...(onboarding && { onboarding }),
  });
  const objects = [desired as unknown as KubeObject, ...(await renderer.render(desired))];
  const after = Object.fromEntries(objects.map((o) => [objectKey(o), withoutCorrelation(o)]));
  const before = Object.fromEntries(
    Object.entries(appliedKube?.objects ?? {}).map(([k, o]) => [k, withoutCorrelation(o)]),
  );
  const kubernetes = diffResources(before, after);

  return {
    tenantId,
    slug,
    infra,
    kubernetes,
    lastApplied: { infra: appliedInfra?.appliedAt, kubernetes: appliedKube?.appliedAt },
  };
}
