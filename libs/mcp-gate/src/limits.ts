/**
 * Policy limits: structured rules on tool arguments, set at org, group and user level over the
 * plugin's defaults. For each argument and each field of a rule the most specific level wins
 * (user > group > org > plugin default); a limit the org marks as a ceiling clamps every more
 * specific level. Evaluated at call time on the actual arguments. Pure functions only.
 */
import type { LimitRule, ToolUser } from './plugin.js';

export type PolicyLevel = 'default' | 'org' | 'group' | 'user';
export type PolicyScope =
  { level: 'org' } | { level: 'group'; groupId: string } | { level: 'user'; userId: string };

/** A tool's limits at one scope (what the tenant store holds per tool, org/group/user). */
export interface LimitPolicy {
  readonly tool: string;
  readonly scope: PolicyScope;
  readonly rules: readonly LimitRule[];
  /** Org level only: every field set here is an upper bound for group and user levels. */
  readonly ceiling?: boolean;
  /** Every call of the tool at this scope needs approval (most specific level wins). */
  readonly approval?: boolean;
}

const NUMERIC = ['max', 'maxItems', 'maxBytes', 'approvalAbove'] as const;
type NumericField = (typeof NUMERIC)[number];

export interface EffectiveRule {
  argument: string;
  max?: number;
  maxItems?: number;
  maxBytes?: number;
  allowedDomains?: string[];
  approvalAbove?: number;
  /** Which level set each field (for the refusal text; never a value of the arguments). */
  from: Partial<Record<NumericField | 'allowedDomains', PolicyLevel>>;
}

export interface EffectiveLimits {
  rules: EffectiveRule[];
  approval: boolean;
}

const applies = (p: LimitPolicy, user: ToolUser): boolean =>
  p.scope.level === 'org' ||
  (p.scope.level === 'group' && user.groups.includes(p.scope.groupId)) ||
  (p.scope.level === 'user' && p.scope.userId === user.id);

const domainAllowed = (domain: string, allowed: readonly string[]): boolean =>
  allowed.some((a) => domain === a.toLowerCase() || domain.endsWith(`.${a.toLowerCase()}`));

/** Two groups of the user setting the same field: the stricter one holds (fail closed). */
function mergeStrict(into: EffectiveRule, rule: LimitRule, level: PolicyLevel): void {
  for (const f of NUMERIC) {
    const v = rule[f];
    if (v === undefined) continue;
    const current = into.from[f] === level ? into[f] : undefined;
    into[f] = current === undefined ? v : Math.min(current, v);
    into.from[f] = level;
  }
  if (rule.allowedDomains) {
    const current = into.from.allowedDomains === level ? into.allowedDomains : undefined;
    into.allowedDomains = current
      ? current.filter((d) => domainAllowed(d, rule.allowedDomains!))
      : [...rule.allowedDomains];
    into.from.allowedDomains = level;
  }
}

export function effectiveLimits(
  tool: string,
  defaults: readonly LimitRule[],
  policies: readonly LimitPolicy[],
  user: ToolUser,
): EffectiveLimits {
  const mine = policies.filter((p) => p.tool === tool && applies(p, user));
  const byArg = new Map<string, EffectiveRule>();
  const rule = (argument: string) => {
    let r = byArg.get(argument);
    if (!r) byArg.set(argument, (r = { argument, from: {} }));
    return r;
  };
  const layers: Array<[PolicyLevel, readonly LimitRule[]]> = [['default', defaults]];
  for (const level of ['org', 'group', 'user'] as const) {
    for (const p of mine.filter((x) => x.scope.level === level)) layers.push([level, p.rules]);
  }
  // Later layers are more specific; within a level (several groups) the stricter value holds.
  for (const [level, rules] of layers) for (const r of rules) mergeStrict(rule(r.argument), r, level);

  for (const ceiling of mine.filter((p) => p.scope.level === 'org' && p.ceiling)) {
    for (const c of ceiling.rules) {
      const r = rule(c.argument);
      for (const f of NUMERIC) {
        const bound = c[f];
        if (bound !== undefined && (r[f] === undefined || r[f] > bound)) {
          r[f] = bound;
          r.from[f] = 'org';
        }
      }
      if (c.allowedDomains) {
        r.allowedDomains = (r.allowedDomains ?? c.allowedDomains).filter((d) =>
          domainAllowed(d.toLowerCase(), c.allowedDomains!),
        );
        r.from.allowedDomains = 'org';
      }
    }
  }
  let approval = false;
  for (const level of ['org', 'group', 'user'] as const) {
    const set = mine.filter((p) => p.scope.level === level && p.approval !== undefined);
    if (set.length > 0) approval = set.some((p) => p.approval === true);
  }
  return { rules: [...byArg.values()], approval };
}

export type LimitCheck = { ok: true; approvalNeeded: string[] } | { ok: false; detail: string };

const get = (args: Record<string, unknown>, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>(
      (v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined),
      args,
    );

const items = (v: unknown): unknown[] | undefined =>
  Array.isArray(v) ? v : typeof v === 'string' ? v.split(',').filter((s) => s.trim() !== '') : undefined;

function domainOf(text: string): string {
  const at = text.lastIndexOf('@');
  if (at >= 0)
    return text
      .slice(at + 1)
      .trim()
      .replace(/>$/, '')
      .toLowerCase();
  try {
    return new URL(text).hostname.toLowerCase();
  } catch {
    return text.trim().toLowerCase();
  }
}

/** Checks the effective rules on the actual arguments. Texts name the argument and the bound, never the value. */
export function checkLimits(
  tool: string,
  limits: EffectiveLimits,
  args: Record<string, unknown>,
): LimitCheck {
  const approvalNeeded: string[] = limits.approval ? [`${tool} needs approval by policy`] : [];
  for (const r of limits.rules) {
    const v = get(args, r.argument);
    if (v === undefined) continue;
    const name = `${tool}.${r.argument}`;
    if (r.max !== undefined && typeof v === 'number' && v > r.max)
      return { ok: false, detail: `${name} is above the ${r.from.max} limit of ${r.max}` };
    const list = items(v);
    if (r.maxItems !== undefined && list && list.length > r.maxItems)
      return {
        ok: false,
        detail: `${name} has more than the ${r.from.maxItems} limit of ${r.maxItems} items`,
      };
    if (r.maxBytes !== undefined) {
      const bytes = (Array.isArray(v) ? v : [v])
        .filter((x): x is string => typeof x === 'string')
        .reduce((n, s) => n + Buffer.byteLength(s), 0);
      if (bytes > r.maxBytes)
        return {
          ok: false,
          detail: `${name} is longer than the ${r.from.maxBytes} limit of ${r.maxBytes} bytes`,
        };
    }
    if (r.allowedDomains !== undefined && list) {
      const bad = list.filter((x) => typeof x !== 'string' || !domainAllowed(domainOf(x), r.allowedDomains!));
      if (bad.length > 0)
        return {
          ok: false,
          detail: `${name} names a domain outside the ${r.from.allowedDomains} allowed list (${r.allowedDomains.join(', ') || 'none'})`,
        };
    }
    if (r.approvalAbove !== undefined && typeof v === 'number' && v > r.approvalAbove)
      approvalNeeded.push(`${name} is above ${r.approvalAbove}`);
  }
  return { ok: true, approvalNeeded };
}
