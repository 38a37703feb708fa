/**
 * The catalog entry of a plugin, as JSON: what the dashboard, cerebro's plugin catalog and the
 * tenant's onboarding show. Built only from the plugin's metadata (no functions, no values).
 */
import { z } from 'zod';
import type { Plugin, PluginManifest } from './plugin.js';

/** JSON Schema (draft 2020-12) of a tool's zod input; the same shape MCP `tools/list` carries. */
export const inputJsonSchema = (input: z.ZodType): Record<string, unknown> =>
  z.toJSONSchema(input, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;

export const pluginManifest = (plugin: Plugin): PluginManifest => ({
  id: plugin.id,
  version: plugin.version,
  title: plugin.title,
  description: plugin.description,
  credentials: plugin.credentials.map((c) => ({ name: c.name, description: c.description })),
  outboundHosts: [...plugin.outboundHosts],
  tools: plugin.tools.map((tool) => ({
    name: tool.name,
    title: tool.title,
    description: tool.description,
    // The gate's rule, shown the same way: no classification counts as a write.
    classification: tool.classification ?? 'write',
    minRole: tool.minRole,
    approval: tool.approval ?? false,
    limits: (tool.limits ?? []).map((l) => ({ ...l })),
    credentials: [...(tool.credentials ?? [])],
    inputSchema: inputJsonSchema(tool.input),
  })),
});
