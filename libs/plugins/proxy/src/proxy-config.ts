/**
 * The configuration of one proxied MCP server, validated when the plugin is created (errors
 * name the field): where the upstream is, which vault credential authenticates the engine to
 * it, and the classification rules. Upstream annotations (readOnlyHint…) are never trusted: a
 * tool is `read` only when a rule says so, and a tool no rule matches counts as a `write`.
 */
import { z } from 'zod';
import type { Classification, Role } from '@cw/mcp-gate';
import { classificationRuleSchema, proxyUpstreamConfigSchema, secretLookingValues } from '@cw/tenant-model';

/**
 * The tenant-facing part (url, auth, rules, limits) is `proxyUpstreamConfigSchema` of
 * @cw/tenant-model, the same schema the Tenant's `spec.engines[].pluginConfig.proxy` is admitted
 * with; the plugin adds the id its tools are exposed under (`<id>.<tool>`).
 */
export { classificationRuleSchema };
export type { ClassificationRule } from '@cw/tenant-model';

export const proxyConfigSchema = proxyUpstreamConfigSchema.extend({
  id: z.string().regex(/^[a-z][a-z0-9-]{0,30}$/),
});
export type ProxyConfig = z.input<typeof proxyConfigSchema>;
export type ParsedProxyConfig = z.output<typeof proxyConfigSchema>;

export class ProxyConfigError extends Error {}

export function parseProxyConfig(config: unknown): ParsedProxyConfig {
  // A hand-written engine config gets the same refusal as a Tenant: secrets live in the vault.
  const secret = secretLookingValues(config)[0];
  if (secret) throw new ProxyConfigError(`proxy config: ${secret.path.join('.')}: ${secret.message}`);
  const parsed = proxyConfigSchema.safeParse(config);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ProxyConfigError(`proxy config: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

const globToRegExp = (glob: string) =>
  new RegExp(
    `^${glob
      .split('*')
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );

export interface ToolClass {
  classification: Classification;
  minRole: Role;
  approval: boolean;
  /** The rule that matched, or undefined (= unclassified, counted as write). */
  rule?: string;
}

/** First matching rule wins; none = write, the default minRole, no approval. */
export function classify(tool: string, config: ParsedProxyConfig): ToolClass {
  for (const rule of config.rules)
    if (globToRegExp(rule.pattern).test(tool))
      return {
        classification: rule.classification,
        minRole: rule.minRole ?? config.defaultMinRole,
        approval: rule.approval ?? false,
        rule: rule.pattern,
      };
  return { classification: 'write', minRole: config.defaultMinRole, approval: false };
}
