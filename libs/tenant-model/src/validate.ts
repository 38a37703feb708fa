/**
 * Validation of Tenant objects and specs with messages a person can act on:
 * `spec.cloud.region: "moon-1" is not a region of aws (expected one of us-east-1, …)`.
 * Structural problems come from the zod schema; rules across fields (region per cloud,
 * seats/isolation/engines per plan, unique engine names, reserved slugs) are checked on the raw
 * input too, so one pass reports every problem, not just the first.
 */
import type { z } from 'zod';
import { TENANT_API_VERSION, TENANT_KIND } from './constants.js';
import { slugProblem } from './names.js';
import { PLANS, isPlanName } from './plans.js';
import { REGIONS, isCloudProvider } from './regions.js';
import { tenantSchema, tenantSpecSchema, type Tenant, type TenantSpec } from './schema.js';

export interface ValidationIssue {
  /** Dotted field path, e.g. `spec.engines[1].name`. */
  path: string;
  message: string;
}

export type ValidationResult<T> =
  { ok: true; value: T; issues: [] } | { ok: false; issues: ValidationIssue[] };

export const formatIssue = (issue: ValidationIssue): string =>
  issue.path ? `${issue.path}: ${issue.message}` : issue.message;

/** Thrown where a caller needs a valid tenant and got an invalid one. */
export class TenantValidationError extends Error {
  constructor(readonly issues: ValidationIssue[]) {
    super(issues.map(formatIssue).join('; '));
    this.name = 'TenantValidationError';
  }
}

export function pathToString(path: ReadonlyArray<PropertyKey>, prefix = ''): string {
  let out = prefix;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

const show = (value: unknown): string => {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string')
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
};
const list = (values: readonly unknown[]): string => values.map(String).join(', ');

function describeZodIssue(issue: z.core.$ZodIssue): string {
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'invalid_type':
      if (input === undefined) return 'is required';
      if (issue.expected === 'int') return `must be a whole number (got ${show(input)})`;
      return `must be ${issue.expected === 'object' ? 'an object' : `a ${issue.expected}`} (got ${show(input)})`;
    case 'invalid_value':
      if (issue.values.length === 1) return `must be ${JSON.stringify(issue.values[0])} (got ${show(input)})`;
      return `${show(input)} is not allowed (expected one of ${list(issue.values)})`;
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'string')
        return min <= 1 ? 'must not be empty' : `must be at least ${min} characters`;
      if (issue.origin === 'array') return `must have at least ${min} item${min === 1 ? '' : 's'}`;
      return `must be at least ${min} (got ${show(input)})`;
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      if (issue.origin === 'string') return `must be at most ${max} characters`;
      if (issue.origin === 'array') return `must have at most ${max} items`;
      return `must be at most ${max} (got ${show(input)})`;
    }
    case 'invalid_format':
      return issue.message.startsWith('must')
        ? `${show(input)} ${issue.message}`
        : `${show(input)} is not a valid ${issue.format}`;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    default:
      return issue.message;
  }
}

function zodIssues(error: z.ZodError, prefix: string): ValidationIssue[] {
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({
          path: pathToString([...issue.path, key], prefix),
          message: 'unknown field',
        }))
      : [{ path: pathToString(issue.path, prefix), message: describeZodIssue(issue) }],
  );
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Rules across fields, checked on raw input so they add to, not replace, structural problems. */
export function crossFieldIssues(spec: unknown, prefix = 'spec'): ValidationIssue[] {
  if (!isRecord(spec)) return [];
  const issues: ValidationIssue[] = [];
  const at = (p: string) => `${prefix}.${p}`;
  const cloud = isRecord(spec.cloud) ? spec.cloud : undefined;
  if (cloud && isCloudProvider(cloud.provider) && typeof cloud.region === 'string') {
    const regions = REGIONS[cloud.provider];
    if (!regions.includes(cloud.region)) {
      issues.push({
        path: at('cloud.region'),
        message: `${show(cloud.region)} is not a region of ${cloud.provider} (expected one of ${list(regions)})`,
      });
    }
  }
  if (Array.isArray(spec.engines)) {
    const seen = new Map<string, number>();
    spec.engines.forEach((engine, i) => {
      if (!isRecord(engine) || typeof engine.name !== 'string') return;
      const first = seen.get(engine.name);
      if (first !== undefined) {
        issues.push({
          path: at(`engines[${i}].name`),
          message: `"${engine.name}" is already used by engines[${first}]`,
        });
      } else seen.set(engine.name, i);
    });
  }
  if (!isPlanName(spec.plan)) return issues;
  const plan = PLANS[spec.plan];
  if (typeof spec.seats === 'number' && Number.isInteger(spec.seats)) {
    if (spec.seats < plan.seats.min || spec.seats > plan.seats.max) {
      issues.push({
        path: at('seats'),
        message: `${spec.seats} seats is outside the ${plan.name} plan's range ${plan.seats.min}-${plan.seats.max}`,
      });
    }
  }
  const isolation = spec.isolation ?? plan.isolation[0];
  if (typeof isolation === 'string' && !(plan.isolation as readonly string[]).includes(isolation)) {
    issues.push({
      path: at('isolation'),
      message: `"${isolation}" isolation is not available on the ${plan.name} plan (allowed: ${list(plan.isolation)})`,
    });
  }
  if (Array.isArray(spec.engines)) {
    const quota = isRecord(spec.quota) ? spec.quota : {};
    const limit = typeof quota.engines === 'number' ? quota.engines : plan.quota.engines;
    if (spec.engines.length > limit) {
      issues.push({
        path: at('engines'),
        message: `${spec.engines.length} engines exceed the limit of ${limit} (${typeof quota.engines === 'number' ? 'spec.quota.engines' : `${plan.name} plan`})`,
      });
    }
  }
  const bindings = isRecord(spec.bindings) ? spec.bindings : undefined;
  const identity = bindings && isRecord(bindings.identity) ? bindings.identity : undefined;
  if (identity && cloud && isCloudProvider(cloud.provider)) {
    const needed = { azure: 'clientId', aws: 'roleArn', gcp: 'serviceAccountEmail', local: undefined }[
      cloud.provider
    ];
    if (needed && identity[needed] === undefined) {
      issues.push({
        path: at(`bindings.identity.${needed}`),
        message: `is required for a tenant on ${cloud.provider}`,
      });
    }
  }
  return issues;
}

/** Validates a spec alone (e.g. from the sign-up form) and applies defaults. */
export function validateTenantSpec(spec: unknown, prefix = 'spec'): ValidationResult<TenantSpec> {
  const parsed = tenantSpecSchema.safeParse(spec, { reportInput: true });
  const issues = [
    ...(parsed.success ? [] : zodIssues(parsed.error, prefix)),
    ...crossFieldIssues(spec, prefix),
  ];
  if (issues.length > 0 || !parsed.success) return { ok: false, issues: dedupe(issues) };
  return { ok: true, value: parsed.data, issues: [] };
}

/** Validates a whole Tenant object (apiVersion, kind, metadata, spec) and applies defaults. */
export function validateTenant(input: unknown): ValidationResult<Tenant> {
  if (!isRecord(input))
    return { ok: false, issues: [{ path: '', message: `expected a Tenant object, got ${show(input)}` }] };
  const head: ValidationIssue[] = [];
  if (input.apiVersion !== TENANT_API_VERSION) {
    head.push({
      path: 'apiVersion',
      message: `must be "${TENANT_API_VERSION}" (got ${show(input.apiVersion)})`,
    });
  }
  if (input.kind !== TENANT_KIND) {
    head.push({ path: 'kind', message: `must be "${TENANT_KIND}" (got ${show(input.kind)})` });
  }
  // Another kind of object entirely: its spec means something else, so stop here.
  if (input.kind !== TENANT_KIND && input.kind !== undefined) return { ok: false, issues: head };
  const parsed = tenantSchema.safeParse(input, { reportInput: true });
  const issues = [...head];
  if (!parsed.success)
    issues.push(...zodIssues(parsed.error, '').filter((i) => i.path !== 'apiVersion' && i.path !== 'kind'));
  const name = isRecord(input.metadata) ? input.metadata.name : undefined;
  if (typeof name === 'string') {
    const problem = slugProblem(name);
    if (problem && /reserved|hyphens in a row/.test(problem))
      issues.push({ path: 'metadata.name', message: problem });
  }
  issues.push(...crossFieldIssues(input.spec));
  if (issues.length > 0 || !parsed.success) return { ok: false, issues: dedupe(issues) };
  return { ok: true, value: parsed.data as Tenant, issues: [] };
}

/** Parses or throws TenantValidationError. */
export function parseTenant(input: unknown): Tenant {
  const result = validateTenant(input);
  if (!result.ok) throw new TenantValidationError(result.issues);
  return result.value;
}

function dedupe(issues: ValidationIssue[]): ValidationIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = formatIssue(i);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
