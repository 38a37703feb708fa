/** What a spec means once plan defaults and overrides are applied: used by the operator and the stacks. */
import { DEFAULT_CEREBRO_IMAGE, DEFAULT_ENGINE_IMAGE, tenantNamespace } from './constants.js';
import { PLANS, type PlanQuota } from './plans.js';
import type { EngineSpec, TenantSpec } from './schema.js';

export function effectiveQuota(spec: TenantSpec): PlanQuota {
  const plan = PLANS[spec.plan].quota;
  return {
    cpu: spec.quota?.cpu ?? plan.cpu,
    memory: spec.quota?.memory ?? plan.memory,
    pods: spec.quota?.pods ?? plan.pods,
    engines: spec.quota?.engines ?? plan.engines,
  };
}

/** Cerebro replicas: the spec's, else the plan's; zero while suspended. */
export const cerebroReplicas = (spec: TenantSpec): number =>
  spec.suspended ? 0 : (spec.cerebro.replicas ?? PLANS[spec.plan].cerebroReplicas);
export const engineReplicas = (spec: TenantSpec, engine: EngineSpec): number =>
  spec.suspended ? 0 : engine.replicas;
export const cerebroImage = (spec: TenantSpec): string => spec.cerebro.image ?? DEFAULT_CEREBRO_IMAGE;
export const engineImage = (engine: EngineSpec): string => engine.image ?? DEFAULT_ENGINE_IMAGE;
export const tenantUrl = (spec: TenantSpec): string => `https://${spec.hostname}`;

/** Where people open a tenant's workspace: `tenantUrl`, or a deployment's own URL scheme. */
export type WorkspaceUrl = (tenant: { slug: string; spec: TenantSpec }) => string;

/**
 * The workspace URL rule of a deployment: `https://<spec.hostname>` on a cluster, or a template
 * with `{slug}` where workspaces are served elsewhere (npm start's local data plane:
 * `http://{slug}.localtest.me:3080`). A template without `{slug}` or not http(s) is refused.
 */
export function workspaceUrlFrom(template?: string): WorkspaceUrl {
  if (!template) return ({ spec }) => tenantUrl(spec);
  if (!template.includes('{slug}') || !/^https?:\/\/\{slug\}[.:/]/.test(template))
    throw new Error(
      `workspace URL template must look like "http://{slug}.localtest.me:3080" (got "${template}")`,
    );
  return ({ slug }) => template.replaceAll('{slug}', slug).replace(/\/+$/, '');
}
export { tenantNamespace };
