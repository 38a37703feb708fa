/**
 * renderTenant: the one function that turns a Tenant into the objects the operator applies.
 * The operator, `cw render` and the provisioner's render step all call it, so a preview is
 * exactly what will be applied — including each object's applied-hash annotation.
 */
import { ApiObject, App, type Chart } from 'cdk8s';
import { formatIssue, validateTenant, type Tenant, type ValidationIssue } from '@cw/tenant-model';
import { apiGroup, withAppliedHash, type KubeObject } from './kube-object.js';
import { resolveRenderOptions, type TenantRenderOptions } from './options.js';
import { PHASES, kindRank, managedResource, type Phase } from './resources.js';
import { TenantChart } from './tenant.chart.js';

/** The Tenant is valid by the schema but cannot be rendered; each issue names the field to fix. */
export class TenantRenderError extends Error {
  constructor(readonly issues: ValidationIssue[]) {
    super(issues.map(formatIssue).join('; '));
    this.name = 'TenantRenderError';
  }
}

export interface PhaseObjects {
  readonly phase: Phase;
  readonly objects: KubeObject[];
}

/** Deterministic order: apply order of the kind, then namespace, then name. */
export function compareObjects(a: KubeObject, b: KubeObject): number {
  return (
    kindRank(apiGroup(a.apiVersion), a.kind) - kindRank(apiGroup(b.apiVersion), b.kind) ||
    (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') ||
    a.metadata.name.localeCompare(b.metadata.name)
  );
}

export function phaseOf(obj: Pick<KubeObject, 'apiVersion' | 'kind'>): Phase {
  const resource = managedResource(apiGroup(obj.apiVersion), obj.kind);
  if (!resource)
    throw new Error(
      `${obj.apiVersion} ${obj.kind} is not a kind the operator manages; add it to MANAGED_RESOURCES`,
    );
  return resource.phase;
}

/**
 * The chart's API objects as JSON: cdk8s's `chart.toJson()` without its dependency graph. That
 * graph only orders the output (compareObjects orders it here, and no construct declares a
 * dependency) and cost ≈ 10 % of rendering, which the operator does for every tenant on a cold
 * start. Constructs' validations still run, as in a synth.
 */
function synthObjects(chart: Chart): KubeObject[] {
  const nodes = chart.node.findAll();
  const errors = nodes.flatMap((c) => c.node.validate().map((e) => `[${c.node.path}] ${e}`));
  if (errors.length > 0)
    throw new Error(`Validation failed with the following errors:\n  ${errors.join('\n  ')}`);
  return nodes.filter((c): c is ApiObject => c instanceof ApiObject).map((o) => o.toJson() as KubeObject);
}

/** The objects of one tenant grouped by reconcile phase, in phase order. Throws TenantRenderError. */
export function renderTenantPhases(tenant: Tenant, options: TenantRenderOptions = {}): PhaseObjects[] {
  const chart = new TenantChart(new App(), tenant.metadata.name, {
    tenant,
    options: resolveRenderOptions(options),
  });
  if (chart.issues.length > 0) throw new TenantRenderError(chart.issues);
  const objects = synthObjects(chart).map(withAppliedHash).sort(compareObjects);
  // One phase lookup per object (sorted in apply order, each phase's objects keep that order).
  const byPhase = new Map<Phase, KubeObject[]>(PHASES.map((phase) => [phase, []]));
  for (const o of objects) byPhase.get(phaseOf(o))!.push(o);
  return PHASES.map((phase) => ({ phase, objects: byPhase.get(phase)! }));
}

/** The objects the operator applies for a Tenant, sorted deterministically. Throws TenantRenderError. */
export function renderTenant(tenant: Tenant, options: TenantRenderOptions = {}): KubeObject[] {
  return renderTenantPhases(tenant, options).flatMap((p) => p.objects);
}

export type TenantManifest =
  | { ok: true; tenant: Tenant; phases: PhaseObjects[]; objects: KubeObject[] }
  | { ok: false; issues: ValidationIssue[]; tenant?: Tenant };

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Fills spec.routing.mode from the operator's default when the Tenant leaves it unset, before
 * the schema default would. (A cluster whose CRD defaults the field has already set it.)
 */
export function withRoutingDefault(input: unknown, options: TenantRenderOptions = {}): unknown {
  if (!isRecord(input) || !isRecord(input.spec)) return input;
  const routing = input.spec.routing;
  if (routing !== undefined && (!isRecord(routing) || routing.mode !== undefined)) return input;
  const mode = resolveRenderOptions(options).defaultRoutingMode;
  return { ...input, spec: { ...input.spec, routing: { ...(isRecord(routing) ? routing : {}), mode } } };
}

/**
 * Validates a raw Tenant (as read from a file or the API) and renders it: the path shared by
 * the operator and `cw render`. Returns issues (validation, then render) instead of throwing.
 */
export function renderTenantManifest(input: unknown, options: TenantRenderOptions = {}): TenantManifest {
  const validated = validateTenant(withRoutingDefault(input, options));
  if (!validated.ok) return { ok: false, issues: validated.issues };
  try {
    const phases = renderTenantPhases(validated.value, options);
    return { ok: true, tenant: validated.value, phases, objects: phases.flatMap((p) => p.objects) };
  } catch (error) {
    if (error instanceof TenantRenderError)
      return { ok: false, issues: error.issues, tenant: validated.value };
    throw error;
  }
}
