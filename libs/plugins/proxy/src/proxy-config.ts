/**
 * The configuration of one proxied MCP server, validated when the plugin is created (errors
 * name the field): where the upstream is, which vault credential authenticates the engine to
 * it, and the classification rules. Upstream annotations (readOnlyHint…) are never trusted: a
 * tool is `read` only when a rule says so, and a tool no rule matches counts as a `write`.
 */
import { z } from 'zod';
import { CLASSIFICATIONS, ROLES, type Classification, type Role } from '@cw/mcp-gate';

export const classificationRuleSchema = z.object({
  /** Tool-name glob: `*` matches any run of characters (`get_*`, `*delete*`, `exact_name`). */
  pattern: z.string().min(1).max(200),
  classification: z.enum(CLASSIFICATIONS),
  minRole: z.enum(ROLES).optional(),
  approval: z.boolean().optional(),
});
export type ClassificationRule = z.infer<typeof classificationRuleSchema>;

export const proxyConfigSchema = z.object({
  /** The plugin id tools are exposed under (`<id>.<tool>`). */
  id: z.string().regex(/^[a-z][a-z0-9-]{0,30}$/),
  title: z.string().min(1).max(100).optional(),
  description: z.string().max(1000).optional(),
  /** The upstream's Streamable HTTP endpoint. */
  url: z.url({ protocol: /^https?$/ }),
  /** A credential from the vault cascade, sent as `Authorization: Bearer <value>`. */
  auth: z
    .object({
      credential: z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/),
      description: z.string().max(200).optional(),
    })
    .optional(),
  rules: z.array(classificationRuleSchema).max(200).default([]),
  /** minRole of tools whose rule sets none (and of unmatched tools). */
  defaultMinRole: z.enum(ROLES).default('developer'),
  /** Upstream result text handed back at most this long (UTF-8 bytes). */
  maxResultBytes: z
    .number()
    .int()
    .min(1024)
    .max(1024 * 1024)
    .default(64 * 1024),
  /** One upstream call (connect, list, call) ends after this long. */
  timeoutMs: z.number().int().min(100).max(120_000).default(20_000),
  /** Outbound hosts shown in the catalog (the guard still applies). */
  outboundHosts: z.array(z.string()).default([]),
});
export type ProxyConfig = z.input<typeof proxyConfigSchema>;
export type ParsedProxyConfig = z.output<typeof proxyConfigSchema>;

export class ProxyConfigError extends Error {}

export function parseProxyConfig(config: unknown): ParsedProxyConfig {
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
