/**
 * Non-secret configuration of the platform's plugins: the one schema per plugin that the Tenant
 * (`spec.engines[].pluginConfig`, so the CRD and admission), the chart and the plugins themselves
 * use. `@cw/plugin-proxy` builds its config schema from `proxyUpstreamConfigSchema` (tenant-model
 * is a `type:model` library and cannot import plugins; plugins may import it). Secrets never live
 * here: a plugin names a vault credential, and `secretLookingValues` finds what looks like one.
 */
import { z } from 'zod';

/** Roles of the gate (viewer < developer < sqa < manager); the same list as @cw/mcp-gate's ROLES. */
export const PLUGIN_ROLES = ['viewer', 'developer', 'sqa', 'manager'] as const;
/** Tool classifications of the gate; the same list as @cw/mcp-gate's CLASSIFICATIONS. */
export const PLUGIN_CLASSIFICATIONS = ['read', 'write', 'destructive'] as const;

const httpUrl = (what: string) =>
  z
    .url({ protocol: /^https?$/, message: 'must be an http(s) URL' })
    .max(2048)
    .describe(what);

export const classificationRuleSchema = z
  .strictObject({
    pattern: z
      .string()
      .min(1)
      .max(200)
      .describe('Tool-name glob: `*` matches any run of characters (get_*, *delete*, exact_name).'),
    classification: z
      .enum(PLUGIN_CLASSIFICATIONS)
      .describe('read, write or destructive: what the gate treats a matching tool as.'),
    minRole: z
      .enum(PLUGIN_ROLES)
      .optional()
      .describe('Lowest role that may call a matching tool. Default: defaultMinRole.'),
    approval: z.boolean().optional().describe('Every call of a matching tool waits for a manager.'),
  })
  .describe('One classification rule; the first rule whose pattern matches a tool name wins.');
export type ClassificationRule = z.infer<typeof classificationRuleSchema>;

/**
 * What a tenant configures for plugin `proxy` (an upstream MCP server behind the gate). The
 * plugin adds its id; everything else comes from here.
 */
export const proxyUpstreamConfigSchema = z
  .strictObject({
    url: httpUrl("The upstream MCP server's Streamable HTTP endpoint; reached through the outbound guard."),
    auth: z
      .strictObject({
        credential: z
          .string()
          .regex(/^[a-z][a-z0-9_-]{0,62}$/, {
            message: 'must be a credential name (lowercase letters, digits, _ -), not its value',
          })
          .describe(
            'Name of a vault credential of plugin proxy (user, group or org level), sent as Authorization: Bearer. The value stays in the vault.',
          ),
        description: z
          .string()
          .max(200)
          .optional()
          .describe('What the credential is, as shown on My Credentials.'),
      })
      .optional()
      .describe('How the engine authenticates to the upstream. Absent: no Authorization header.'),
    title: z.string().min(1).max(100).optional().describe('Title of the proxied plugin in the catalog.'),
    description: z
      .string()
      .max(1000)
      .optional()
      .describe('Description of the proxied plugin in the catalog.'),
    rules: z
      .array(classificationRuleSchema)
      .max(200)
      .default([])
      .describe('Classification rules, first match wins; a tool no rule matches counts as a write.'),
    defaultMinRole: z
      .enum(PLUGIN_ROLES)
      .default('developer')
      .describe('minRole of tools whose rule sets none and of unmatched tools.'),
    maxResultBytes: z
      .int()
      .min(1024)
      .max(1024 * 1024)
      .default(64 * 1024)
      .describe('Upstream result text is handed back at most this long (UTF-8 bytes).'),
    timeoutMs: z
      .int()
      .min(100)
      .max(120_000)
      .default(20_000)
      .describe('One upstream use (connect, list, call) ends after this long.'),
    outboundHosts: z
      .array(z.string().min(1).max(260))
      .max(20)
      .default([])
      .describe('Outbound hosts shown in the catalog (the outbound guard still applies).'),
  })
  .describe('Plugin proxy: an existing MCP server behind the gate.');

const mailServerSchema = (what: string) =>
  z
    .strictObject({
      host: z.string().min(1).max(253).describe('Server host name.'),
      port: z.int().min(1).max(65_535).describe('Server port.'),
      secure: z
        .boolean()
        .default(true)
        .describe('Implicit TLS (465 / 993). false: STARTTLS when the server offers it.'),
    })
    .describe(what);

/** One mail server of plugin email (SMTP or IMAP). */
export const mailServerConfigSchema = mailServerSchema('A mail server.');

export const emailPluginConfigSchema = z
  .strictObject({
    smtp: mailServerSchema('SMTP submission server (sending).'),
    imap: mailServerSchema('IMAP server (reading, mailbox opened read-only).'),
  })
  .describe('Plugin email: mail servers. The login is the vault credential "account".');

export const githubPluginConfigSchema = z
  .strictObject({
    baseUrl: httpUrl(
      'GitHub REST API base URL. Default https://api.github.com; GitHub Enterprise: https://<host>/api/v3.',
    ).optional(),
  })
  .describe('Plugin github. The token is the vault credential "token".');

export const travelPluginConfigSchema = z
  .strictObject({
    baseUrl: httpUrl('Travel API base URL of the agency.').optional(),
  })
  .describe('Plugin travel. The key is the vault credential "api_key".');

export const paymentsPluginConfigSchema = z
  .strictObject({
    apiBase: httpUrl('Stripe API base URL. Default https://api.stripe.com.').optional(),
  })
  .describe('Plugin payments. The key is the vault credential "api_key".');

/** The typed config of every plugin the platform ships, by id (keys of KNOWN_PLUGINS). */
export const PLUGIN_CONFIG_SCHEMAS = {
  payments: paymentsPluginConfigSchema,
  email: emailPluginConfigSchema,
  github: githubPluginConfigSchema,
  travel: travelPluginConfigSchema,
  proxy: proxyUpstreamConfigSchema,
} as const;

export type PluginConfigs = {
  [K in keyof typeof PLUGIN_CONFIG_SCHEMAS]?: z.output<(typeof PLUGIN_CONFIG_SCHEMAS)[K]>;
};

/** Keys whose string value is a secret by its name (the field is named after what it holds). */
const SECRET_KEY =
  /^(pass(word|wd|phrase)?|secret|client[-_]?secret|(access|auth|bearer|api|refresh|id)?[-_]?token|api[-_]?key|private[-_]?key|access[-_]?key|secret[-_]?key|authorization|cookie)$/i;
/** Values that are secrets by their shape (vendor key prefixes, PEM keys, JWTs). */
const SECRET_VALUE =
  /^(sk|rk|pk)_(live|test)_|^gh[pousr]_[A-Za-z0-9]{20}|^github_pat_|^xox[abposr]-|^AKIA[0-9A-Z]{16}$|-----BEGIN [A-Z ]*PRIVATE KEY-----|^eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\./;

export interface SecretFinding {
  /** Path inside the checked value. */
  readonly path: (string | number)[];
  readonly message: string;
}

/**
 * Fields of a plugin config that look like secrets: a string under a key named like one
 * (password, secret, token, apiKey …), a string shaped like a known key or token, or a URL with
 * a password. The message names the field, never the value.
 */
export function secretLookingValues(value: unknown, path: (string | number)[] = []): SecretFinding[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => secretLookingValues(v, [...path, i]));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => {
      if (typeof v === 'string' && v !== '' && SECRET_KEY.test(k))
        return [
          {
            path: [...path, k],
            message:
              'looks like a secret: put it in the vault as a credential of the plugin and name that credential here',
          },
        ];
      return secretLookingValues(v, [...path, k]);
    });
  if (typeof value !== 'string') return [];
  if (SECRET_VALUE.test(value.trim()))
    return [{ path, message: 'looks like a key or token: secrets belong in the vault, not in pluginConfig' }];
  if (/^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:[^/@\s]*@/i.test(value))
    return [{ path, message: 'is a URL with a password: secrets belong in the vault, not in pluginConfig' }];
  return [];
}
