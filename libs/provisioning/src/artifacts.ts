/**
 * Layout of a tenant's artifacts under `tenants/<slug>/`, in one place so steps, the dry run and
 * the runbook agree:
 *
 *   infra/                      synthesized cloud stack (Terraform JSON), rewritten by synthesize-infrastructure
 *   infra/APPLY_REQUESTED.json  gitops executor: marker for the external pipeline to apply the stack
 *   infra/DESTROY_REQUESTED.json gitops executor: marker to destroy it (offboarding)
 *   stack.json                  summary of the last synthesis (hash, resource count, expected bindings)
 *   bindings.json               outputs of apply-infrastructure, read by render-tenant
 *   tenant.yaml                 the Tenant object (validated by libs/tenant-model)
 *   manifests/                  the namespace objects the operator applies for it (same code as `cw render`)
 *   applied/infra.json          resources as last applied (address → config), for the dry run
 *   applied/kubernetes.json     Tenant + objects as last applied (key → object), for the dry run
 *   OFFBOARDED.json             written when offboarding has deleted the Tenant (manifests/ removed):
 *                               npm start's local data plane stops the tenant, removes its folder and
 *                               its router answers "gone"; a later render of the slug removes it
 */
import { createHash } from 'node:crypto';
import type { TenantBindings } from '@cw/tenant-model';
import type { ArtifactStore, KubeObject } from './ports.js';

export const ARTIFACT = {
  infraDir: 'infra',
  applyMarker: 'infra/APPLY_REQUESTED.json',
  destroyMarker: 'infra/DESTROY_REQUESTED.json',
  stack: 'stack.json',
  bindings: 'bindings.json',
  tenant: 'tenant.yaml',
  manifestsDir: 'manifests',
  appliedInfra: 'applied/infra.json',
  appliedKubernetes: 'applied/kubernetes.json',
  /** Present while render-tenant waits for bindings known only after apply: `{paths: string[]}`. */
  pendingBindings: 'PENDING_BINDINGS.json',
  /** The tenant was offboarded: `OffboardedMarker`. Tells npm start's local data plane to remove it. */
  offboarded: 'OFFBOARDED.json',
  /** `OnboardingRecord`: written by the first provision run's render, kept unchanged after. */
  onboarding: 'onboarding.json',
} as const;

/**
 * `tenants/<slug>/onboarding.json`: where the tenant's onboarding is counted from (its provision
 * run's creation: the checkout webhook queued it) and that run's correlation id. Rendered into the
 * Tenant's onboarding annotations on every later run, so they never change (and never roll pods).
 * `tenantId` tells a slug re-used after an offboarding from the tenant it was.
 */
export interface OnboardingRecord {
  readonly tenantId: string;
  readonly correlationId: string;
  /** ISO time. */
  readonly since: string;
}

/** `tenants/<slug>/OFFBOARDED.json`: the Tenant is deleted; its data is being (or was) purged. */
export interface OffboardedMarker {
  readonly slug: string;
  readonly runId: string;
  readonly correlationId: string;
  /** When the Tenant was gone (ISO time). */
  readonly at: string;
}

/** The binding paths render-tenant is waiting for, or undefined when nothing is pending. */
export async function pendingBindings(artifacts: ArtifactStore, slug: string): Promise<string[] | undefined> {
  return (await readJson<{ paths: string[] }>(artifacts, slug, ARTIFACT.pendingBindings))?.paths;
}

export interface StackSummary {
  stackSha256: string;
  resourceCount: number;
  expectedBindings: TenantBindings;
  /** Working directory of the Terraform JSON, relative to `tenants/<slug>/`. */
  workingDir: string;
  /** The Terraform JSON file, relative to `tenants/<slug>/`. */
  stackFile: string;
  files: string[];
}

export interface AppliedInfra {
  runId: string;
  appliedAt: string;
  stackSha256: string;
  /** `aws_s3_bucket.data` → resource config. */
  resources: Record<string, unknown>;
}

export interface AppliedKubernetes {
  runId: string;
  appliedAt: string;
  /** `platform.contextweaver.io/v1alpha1/Tenant/acme`, `apps/v1/Deployment/tenant-acme/cerebro` → object. */
  objects: Record<string, KubeObject>;
}

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** JSON with sorted keys: equal objects give equal text (hashes, artifacts without churn). */
export function stableJson(value: unknown, indent = 2): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v as Record<string, unknown>)
          .sort()
          .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return `${JSON.stringify(sort(value), null, indent)}\n`;
}

export async function readJson<T>(
  artifacts: ArtifactStore,
  slug: string,
  relPath: string,
): Promise<T | undefined> {
  const text = await artifacts.read(slug, relPath);
  return text === undefined ? undefined : (JSON.parse(text) as T);
}

export const writeJson = (
  artifacts: ArtifactStore,
  slug: string,
  relPath: string,
  value: unknown,
): Promise<boolean> => artifacts.write(slug, relPath, stableJson(value));

/** Stable identity of a Kubernetes object: apiVersion/kind[/namespace]/name. */
export const objectKey = (o: KubeObject): string =>
  [o.apiVersion, o.kind, ...(o.metadata.namespace ? [o.metadata.namespace] : []), o.metadata.name].join('/');

/** Resource addresses of Terraform JSON: `type.name` → config. */
export function terraformResources(json: {
  resource?: Record<string, Record<string, unknown>>;
}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [type, byName] of Object.entries(json.resource ?? {})) {
    for (const [name, config] of Object.entries(byName)) out[`${type}.${name}`] = config;
  }
  return out;
}

/** The tenant's kept onboarding record, or undefined (none yet, or one of an earlier tenant of the slug). */
export async function tenantOnboardingRecord(
  artifacts: ArtifactStore,
  slug: string,
  tenantId: string,
): Promise<OnboardingRecord | undefined> {
  const kept = await readJson<OnboardingRecord>(artifacts, slug, ARTIFACT.onboarding);
  return kept?.tenantId === tenantId ? kept : undefined;
}
