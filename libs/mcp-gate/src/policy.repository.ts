/**
 * Policies live in the tenant store: limit policies per tool and scope, and access rules (which
 * groups may use a plugin or a tool, and a raised minimum role). Reads are cached briefly because
 * every call needs them; a write through this repository clears the cache of this process, other
 * replicas see it within `cacheMs`.
 */
import { z } from 'zod';
import { defineCollection, type TenantStore } from '@cw/tenant-store';
import type { LimitPolicy, PolicyScope } from './limits.js';
import { ROLES, type Role } from './plugin.js';

const text = (max: number) => z.string().min(1).max(max);

export const limitRuleSchema = z.strictObject({
  argument: text(200),
  max: z.number().finite().optional(),
  maxItems: z.int().min(0).optional(),
  maxBytes: z.int().min(0).optional(),
  allowedDomains: z.array(text(253)).max(500).optional(),
  approvalAbove: z.number().finite().optional(),
});

export const policyScopeSchema = z.discriminatedUnion('level', [
  z.strictObject({ level: z.literal('org') }),
  z.strictObject({ level: z.literal('group'), groupId: text(256) }),
  z.strictObject({ level: z.literal('user'), userId: text(256) }),
]);

export const limitPolicySchema = z.strictObject({
  tool: text(100),
  scope: policyScopeSchema,
  rules: z.array(limitRuleSchema).max(100),
  ceiling: z.boolean().optional(),
  approval: z.boolean().optional(),
});

/** Who may use a plugin (`payments`) or one tool (`payments.charge`), on top of the tool's minRole. */
export const accessRuleSchema = z.strictObject({
  target: text(100),
  /** When non-empty, the user must be in one of these groups. */
  groups: z.array(text(256)).max(500).default([]),
  /** Raises (never lowers) the tool's minimum role. */
  minRole: z.enum(ROLES).optional(),
});
export type AccessRule = z.output<typeof accessRuleSchema>;

export const LIMIT_POLICIES = defineCollection('mcp_limit_policies', limitPolicySchema);
export const ACCESS_RULES = defineCollection('mcp_access_rules', accessRuleSchema);
const PARTITION = 'tenant';

const scopeKey = (s: PolicyScope): string =>
  s.level === 'org' ? 'org' : s.level === 'group' ? `group:${s.groupId}` : `user:${s.userId}`;

export class PolicyRepository {
  private cached?: { at: number; limits: LimitPolicy[]; access: AccessRule[] };

  constructor(
    private readonly store: TenantStore,
    private readonly cacheMs = 5_000,
  ) {}

  async setLimitPolicy(policy: LimitPolicy): Promise<void> {
    const value = limitPolicySchema.parse(policy);
    if (value.ceiling && value.scope.level !== 'org') {
      throw new TypeError('ceiling: only an org-level limit can be a ceiling');
    }
    await this.store
      .collection(LIMIT_POLICIES)
      .put(PARTITION, `${value.tool}|${scopeKey(value.scope)}`, value);
    this.cached = undefined;
  }

  async deleteLimitPolicy(tool: string, scope: PolicyScope): Promise<boolean> {
    this.cached = undefined;
    return this.store.collection(LIMIT_POLICIES).delete(PARTITION, `${tool}|${scopeKey(scope)}`);
  }

  async setAccessRule(rule: z.input<typeof accessRuleSchema>): Promise<void> {
    const value = accessRuleSchema.parse(rule);
    await this.store.collection(ACCESS_RULES).put(PARTITION, value.target, value);
    this.cached = undefined;
  }

  async snapshot(): Promise<{ limits: LimitPolicy[]; access: AccessRule[] }> {
    const now = Date.now();
    if (this.cached && now - this.cached.at < this.cacheMs) return this.cached;
    const [limits, access] = await Promise.all([
      readAll(this.store, LIMIT_POLICIES),
      readAll(this.store, ACCESS_RULES),
    ]);
    this.cached = { at: now, limits, access };
    return this.cached;
  }

  /** The access rules that apply to a tool: the plugin's and the tool's own. */
  static accessFor(rules: readonly AccessRule[], plugin: string, tool: string): AccessRule[] {
    return rules.filter((r) => r.target === plugin || r.target === tool);
  }
}

async function readAll<T>(store: TenantStore, def: ReturnType<typeof defineCollection<T>>): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.collection(def).query(PARTITION, { limit: 1000, ...(cursor ? { cursor } : {}) });
    out.push(...page.items.map((i) => i.value));
    cursor = page.cursor;
  } while (cursor);
  return out;
}

export type { Role };
