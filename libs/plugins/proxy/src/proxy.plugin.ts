/**
 * The proxy kind: any upstream MCP server (Streamable HTTP) behind the gate as one plugin.
 * `createProxyPlugin` runs at enable time: it lists the upstream's tools with the enabling
 * credential, classifies each by the config's rules (none = write), and pins each tool's hash.
 * Every call re-lists the tools in the caller's own upstream session and refuses a tool whose
 * hash differs from its pin (recording the new hash as pending, reporting it) until a manager
 * approves that exact version with `approveToolVersion`. Results come back as untrusted text.
 */
import { z } from 'zod';
import {
  definePlugin,
  pluginManifest,
  type Plugin,
  type PluginManifest,
  type ToolContext,
  type ToolDefinition,
  type ToolResult,
} from '@cw/mcp-gate';
import { findRefusal } from '@cw/outbound';
import { classify, parseProxyConfig, type ProxyConfig } from './proxy-config.js';
import { toolHash, type ToolPin, type ToolPinStore } from './tool-pins.js';
import { UpstreamTimeoutError, withUpstream, type UpstreamTool } from './upstream-client.js';
import { untrustedText } from './untrusted-result.js';

/** Something the engine should audit and show managers (never argument values or results). */
export type PinEvent =
  | { kind: 'pinned'; plugin: string; tool: string; hash: string }
  | { kind: 'changed'; plugin: string; tool: string; pinned: string; seen: string }
  | { kind: 'removed'; plugin: string; tool: string }
  | { kind: 'approved'; plugin: string; tool: string; hash: string; approvedBy: string }
  | { kind: 'skipped'; plugin: string; tool: string; reason: string }
  /**
   * The call passed its pin, but this plugin was built with another version of the tool (e.g. a
   * manager approved a change through another replica): rebuild so tools/list shows the approved one.
   */
  | { kind: 'outdated'; plugin: string; tool: string; hash: string };

export interface ProxyDeps {
  pins: ToolPinStore;
  /** The gate's guarded fetch, used at enable time (calls use `ctx.fetch`). */
  fetch: typeof fetch;
  /** The credential used to list tools when enabling (e.g. the org-level value), if the upstream needs one. */
  enableCredential?: () => Promise<string>;
  onPinEvent?: (event: PinEvent) => void;
  now?: () => Date;
}

/** A pending change with what the upstream offers now, for the manager who decides. */
export interface PendingToolVersion extends ToolPin {
  readonly pendingHash: string;
  /** The upstream's current version when its hash is the pending one (else it changed again). */
  readonly upstream?: { readonly description: string; readonly inputSchema: Record<string, unknown> };
}

export interface ProxyPlugin extends Plugin {
  readonly manifest: PluginManifest;
  /** Tools whose upstream version changed and waits for approval. */
  pendingChanges(): Promise<ToolPin[]>;
  /** Pending changes with the upstream's current description and schema (listed with the enabling credential). */
  pendingVersions(): Promise<PendingToolVersion[]>;
  /** A manager approves the pending version `hash` of `tool` (the engine checks the role). */
  approveToolVersion(tool: string, hash: string, approvedBy: string): Promise<ToolPin>;
}

export class ToolVersionError extends Error {}

const TOOL_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
/** Enabling is a one-off manager action: it may wait longer than a call for a cold upstream. */
const ENABLE_TIMEOUT_MS = 30_000;
const MAX_SCHEMA_BYTES = 64 * 1024;
const refused = (reason: 'tool-changed' | 'tool-removed', detail: string): ToolResult => ({
  text: `refused: ${reason}: ${detail}`,
  isError: true,
  refusal: { reason, detail },
});

/** The upstream's JSON Schema as the zod input the gate validates with (strict object at the top). */
function inputFor(schema: Record<string, unknown>): z.ZodType {
  try {
    const converted = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
    return converted instanceof z.ZodObject ? converted.strict() : converted;
  } catch {
    return z.record(z.string(), z.unknown());
  }
}

export async function createProxyPlugin(rawConfig: ProxyConfig, deps: ProxyDeps): Promise<ProxyPlugin> {
  const config = parseProxyConfig(rawConfig);
  const now = deps.now ?? (() => new Date());
  const report = (event: PinEvent) => deps.onPinEvent?.(event);
  const credentialName = config.auth?.credential;

  const listWithEnableCredential = async () =>
    withUpstream(
      {
        url: config.url,
        ...(deps.enableCredential ? { token: await deps.enableCredential() } : {}),
        fetch: deps.fetch,
        timeoutMs: Math.max(config.timeoutMs, ENABLE_TIMEOUT_MS),
      },
      (s) => s.listTools(),
    );
  const listed = await listWithEnableCredential();

  /** Records a version seen upstream that differs from the pin; reports it the first time only. */
  async function markPending(pin: ToolPin, seen: string): Promise<void> {
    if (pin.pendingHash === seen && !pin.removedSince) return;
    const { removedSince: _removed, ...offered } = pin; // offered again (in a changed version)
    if (pin.pendingHash === seen) return deps.pins.put(offered);
    await deps.pins.put({ ...offered, pendingHash: seen, pendingSince: now().toISOString() });
    report({ kind: 'changed', plugin: config.id, tool: pin.tool, pinned: pin.hash, seen });
  }

  const tools: ToolDefinition[] = [];
  /** The approved hash each tool's listing (description, schema) was built from. */
  const builtWith = new Map<string, string>();
  for (const upstream of listed) {
    if (!TOOL_NAME.test(upstream.name)) {
      report({ kind: 'skipped', plugin: config.id, tool: upstream.name.slice(0, 64), reason: 'name' });
      continue;
    }
    if (Buffer.byteLength(JSON.stringify(upstream.inputSchema ?? {})) > MAX_SCHEMA_BYTES) {
      report({ kind: 'skipped', plugin: config.id, tool: upstream.name, reason: 'schema too large' });
      continue;
    }
    const hash = toolHash(upstream);
    const existing = await deps.pins.get(config.id, upstream.name);
    if (!existing) {
      // Trust on first use, by the manager who enabled the plugin.
      await deps.pins.put({
        plugin: config.id,
        tool: upstream.name,
        hash,
        approvedBy: 'enable',
        approvedAt: now().toISOString(),
      });
      report({ kind: 'pinned', plugin: config.id, tool: upstream.name, hash });
    } else if (existing.hash !== hash) {
      // Re-created (restart, config change) while a change waits: never re-pinned silently, and
      // its unapproved description and schema are not shown to anyone.
      await markPending(existing, hash);
      tools.push(proxiedTool(upstream, false));
      continue;
    }
    builtWith.set(upstream.name, hash);
    tools.push(proxiedTool(upstream, true));
  }

  function proxiedTool(upstream: UpstreamTool, approved: boolean): ToolDefinition {
    const cls = classify(upstream.name, config);
    return {
      name: upstream.name,
      title: upstream.name,
      // The approved description; a later upstream change never reaches tools/list unapproved.
      description: approved
        ? (upstream.description ?? '').slice(0, 2000)
        : `${upstream.name} changed on the upstream server since it was approved; calls are refused until a manager approves the new version.`,
      input: approved
        ? inputFor(upstream.inputSchema ?? { type: 'object' })
        : z.record(z.string(), z.unknown()),
      classification: cls.classification,
      minRole: cls.minRole,
      approval: cls.approval,
      ...(credentialName ? { credentials: [credentialName] } : {}),
      run: (args, ctx) => callUpstream(upstream.name, args as Record<string, unknown>, ctx),
    };
  }

  async function callUpstream(
    tool: string,
    args: Record<string, unknown>,
    ctx: ToolContext,
  ): Promise<ToolResult> {
    const token = credentialName ? await ctx.credential(credentialName) : undefined;
    try {
      return await withUpstream(
        {
          url: config.url,
          ...(token ? { token } : {}),
          fetch: ctx.fetch,
          signal: ctx.signal,
          timeoutMs: config.timeoutMs,
        },
        async (session) => {
          const current = (await session.listTools()).find((t) => t.name === tool);
          const pin = await deps.pins.get(config.id, tool);
          if (!current) {
            // Refused on every call, reported (and so audited) once per removal: the pin remembers it.
            if (!pin) report({ kind: 'removed', plugin: config.id, tool });
            else if (!pin.removedSince) {
              await deps.pins.put({ ...pin, removedSince: now().toISOString() });
              report({ kind: 'removed', plugin: config.id, tool });
            }
            return refused(
              'tool-removed',
              `${config.id}.${tool} is no longer offered by the upstream server`,
            );
          }
          const seen = toolHash(current);
          if (!pin || pin.hash !== seen) {
            if (pin) await markPending(pin, seen);
            else report({ kind: 'changed', plugin: config.id, tool, pinned: '', seen });
            return refused(
              'tool-changed',
              `${config.id}.${tool} changed upstream (description or input schema) and waits for a manager to approve version ${seen.slice(0, 12)}`,
            );
          }
          if (pin.pendingHash || pin.removedSince) {
            // The upstream went back to the approved version (or offers the tool again): nothing
            // waits any more, and a later removal is reported again.
            const { pendingHash: _pending, pendingSince: _since, removedSince: _removed, ...settled } = pin;
            await deps.pins.put(settled);
          }
          if (builtWith.get(tool) !== seen) report({ kind: 'outdated', plugin: config.id, tool, hash: seen });
          const result = await session.callTool(tool, args);
          const out = untrustedText(config.id, tool, result, config.maxResultBytes);
          return { text: out.text, ...(out.isError ? { isError: true } : {}) };
        },
      );
    } catch (error) {
      const refusal = findRefusal(error);
      if (refusal?.reason === 'too-large')
        return {
          text: `the upstream result was larger than the engine accepts (${refusal.message})`,
          isError: true,
        };
      if (refusal) throw refusal;
      if (error instanceof UpstreamTimeoutError) return { text: error.message, isError: true };
      const status = (error as { status?: unknown; code?: unknown }).status;
      if (status === 401 || status === 403)
        return { text: `the upstream MCP server refused the credential (HTTP ${status})`, isError: true };
      return {
        text: `the upstream MCP server failed: ${String((error as Error).message ?? error).slice(0, 200)}`,
        isError: true,
      };
    }
  }

  const plugin = definePlugin({
    id: config.id,
    version: '0.1.0',
    title: config.title ?? config.id,
    description:
      config.description ?? `Tools of the MCP server at ${new URL(config.url).host}, behind the gate`,
    credentials: credentialName
      ? [
          {
            name: credentialName,
            description: config.auth?.description ?? `Bearer token for the upstream MCP server`,
          },
        ]
      : [],
    outboundHosts: config.outboundHosts.length ? config.outboundHosts : [new URL(config.url).host],
    tools,
  });

  return {
    ...plugin,
    manifest: pluginManifest(plugin),
    pendingChanges: async () => (await deps.pins.list(config.id)).filter((p) => p.pendingHash),
    async pendingVersions() {
      const pending = (await deps.pins.list(config.id)).filter(
        (p): p is ToolPin & { pendingHash: string } => typeof p.pendingHash === 'string',
      );
      if (pending.length === 0) return [];
      const offered = new Map((await listWithEnableCredential()).map((t) => [t.name, t]));
      return pending.map((p) => {
        const current = offered.get(p.tool);
        return current && toolHash(current) === p.pendingHash
          ? {
              ...p,
              upstream: {
                description: (current.description ?? '').slice(0, 4000),
                inputSchema: current.inputSchema ?? {},
              },
            }
          : p;
      });
    },
    async approveToolVersion(tool, hash, approvedBy) {
      const pin = await deps.pins.get(config.id, tool);
      if (!pin || pin.pendingHash !== hash)
        throw new ToolVersionError(
          `no pending version ${hash.slice(0, 12)} of ${config.id}.${tool} to approve`,
        );
      const approved: ToolPin = {
        plugin: config.id,
        tool,
        hash,
        approvedBy,
        approvedAt: now().toISOString(),
      };
      await deps.pins.put(approved);
      report({ kind: 'approved', plugin: config.id, tool, hash, approvedBy });
      return approved;
    },
  };
}
