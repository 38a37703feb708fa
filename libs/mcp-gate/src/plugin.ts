/**
 * The plugin contract: a plugin is data plus functions. Each tool declares its zod input schema,
 * classification, minimum role, default limits, whether it needs approval and the credentials it
 * needs; the gate reads only this metadata and a plugin never checks roles or policies itself.
 * Identity reaches a tool only through `ctx.user`, built by the gate from the verified token.
 */
import type { z } from 'zod';

export const ROLES = ['viewer', 'developer', 'sqa', 'manager'] as const;
export type Role = (typeof ROLES)[number];
export const roleRank = (role: Role): number => ROLES.indexOf(role);

/** `read` changes nothing; `write` changes state; `destructive` deletes or cannot be undone. */
export const CLASSIFICATIONS = ['read', 'write', 'destructive'] as const;
export type Classification = (typeof CLASSIFICATIONS)[number];

/** The identity a tool runs as: only ever built from the verified token, never from arguments. */
export interface ToolUser {
  /** The token's `sub`. */
  readonly id: string;
  readonly email: string;
  /** The highest of the user's roles. */
  readonly role: Role;
  readonly groups: readonly string[];
  readonly tenant: string;
}

/**
 * A structured limit on one argument of a tool, evaluated by the gate on the actual arguments.
 * `argument` is a dotted path into the arguments (`amount`, `to`, `attachments`).
 */
export interface LimitRule {
  readonly argument: string;
  /** Numbers: the value must be ≤ max. */
  readonly max?: number;
  /** Arrays (or comma-separated strings): at most this many items. */
  readonly maxItems?: number;
  /** Strings or arrays of strings: the total length in bytes must be ≤ maxBytes. */
  readonly maxBytes?: number;
  /** E-mail addresses or URLs: their domain must be one of these (exact or subdomain). */
  readonly allowedDomains?: readonly string[];
  /** Numbers: a value above this is allowed only through an approved call. */
  readonly approvalAbove?: number;
}

/** A credential a plugin needs: a name and what it is for, never a value. */
export interface CredentialNeed {
  /** `^[a-z][a-z0-9_-]{0,62}$`, e.g. `api_key`, `token`. */
  readonly name: string;
  readonly description: string;
}

/**
 * Refusals a plugin may report from inside a run, for checks only the plugin can make (the proxy's
 * tool pins: the upstream changed or removed a tool since a manager approved it). The gate turns
 * them into its own refusal value, so they are answered, audited and counted as refusals.
 */
export const PLUGIN_REFUSALS = ['tool-changed', 'tool-removed'] as const;
export type PluginRefusal = (typeof PLUGIN_REFUSALS)[number];

/** What a tool returns: text for the model, plus optional structured content. */
export interface ToolResult {
  readonly text: string;
  readonly structured?: Record<string, unknown>;
  /** The downstream call failed in a way the user should see (not a gate refusal). */
  readonly isError?: boolean;
  /** The call was refused by a check inside the plugin (see PLUGIN_REFUSALS); `text` is ignored. */
  readonly refusal?: { readonly reason: PluginRefusal; readonly detail: string };
}

/**
 * The engine's outbound rules for plugins that open sockets themselves (SMTP, IMAP): the same
 * shape as @cw/outbound's OutboundPolicy. `allowHosts` holds "host:port" exceptions that the
 * engine config allowlists for tests; empty in production (no loopback/private/link-local/metadata).
 */
export interface ToolOutboundPolicy {
  readonly allowHosts?: readonly string[];
  readonly timeoutMs?: number;
}

/** Everything a tool may use while it runs; given by the gate after every check has passed. */
export interface ToolContext {
  readonly user: ToolUser;
  /** The credential named by the tool's `credentials`, resolved through the vault cascade as this user. */
  credential(name: string): Promise<string>;
  /** fetch through the platform's outbound guard (no loopback/private/link-local/metadata targets). */
  readonly fetch: typeof fetch;
  /** Aborted when the call's timeout passes or the client goes away. */
  readonly signal: AbortSignal;
  /** The plugin's own non-secret configuration from the engine config (e.g. an API base URL). */
  readonly config: Readonly<Record<string, unknown>>;
  /** The rules `fetch` applies, for sockets the plugin opens itself; absent = public addresses only. */
  readonly outboundPolicy?: ToolOutboundPolicy;
}

export interface ToolDefinition<Input extends z.ZodType = z.ZodType> {
  /** Unique within the plugin; the MCP tool name is `<plugin>.<name>` (e.g. `payments.charge`). */
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly input: Input;
  /** Missing = treated as `write` by the gate. */
  readonly classification?: Classification;
  readonly minRole: Role;
  /** Default limits; org/group/user policies in the tenant store can tighten or replace them. */
  readonly limits?: readonly LimitRule[];
  /** Every call of this tool needs a manager's approval. */
  readonly approval?: boolean;
  /** Names from the plugin's `credentials` this tool uses. */
  readonly credentials?: readonly string[];
  run(args: z.infer<Input>, ctx: ToolContext): Promise<ToolResult>;
}

/** A plugin: its catalog metadata and its tools. */
export interface Plugin {
  /** `^[a-z][a-z0-9-]{0,30}$`, the name used in `spec.engines[].plugins`. */
  readonly id: string;
  readonly version: string;
  readonly title: string;
  readonly description: string;
  readonly credentials: readonly CredentialNeed[];
  /** Hosts the plugin calls by default (shown in the catalog; the guard still applies). */
  readonly outboundHosts: readonly string[];
  readonly tools: readonly ToolDefinition[];
}

/** Identity (so the generic parameter of each tool is checked where it is written). */
export const defineTool = <Input extends z.ZodType>(tool: ToolDefinition<Input>): ToolDefinition =>
  tool as unknown as ToolDefinition;
export const definePlugin = (plugin: Plugin): Plugin => plugin;

/** The catalog entry of a plugin: its metadata without functions, as JSON. */
export interface PluginManifest {
  readonly id: string;
  readonly version: string;
  readonly title: string;
  readonly description: string;
  readonly credentials: readonly CredentialNeed[];
  readonly outboundHosts: readonly string[];
  readonly tools: readonly {
    readonly name: string;
    readonly title: string;
    readonly description: string;
    readonly classification: Classification;
    readonly minRole: Role;
    readonly approval: boolean;
    readonly limits: readonly LimitRule[];
    readonly credentials: readonly string[];
    /** JSON Schema of the input, from the zod schema. */
    readonly inputSchema: Record<string, unknown>;
  }[];
}
