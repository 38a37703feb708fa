/**
 * The Connector Marketplace: the plugins the platform offers, read from the plugin packages' own
 * metadata (their `manifest`, or `pluginManifest(plugin)` of the Plugin they export) so the
 * catalog never drifts from what the engine loads. Loaded lazily (the plugin packages bring their
 * SDKs) and once per process. The proxy plugin has no static manifest: its tools come from the
 * upstream MCP server an engine is configured with, so its entry says so instead of listing tools.
 */
import { z } from 'zod';
import { pluginManifest, type Plugin, type PluginManifest } from '@cw/mcp-gate';
import { KNOWN_PLUGINS, PLAN_NAMES, type KnownPlugin, type PlanName } from '@cw/tenant-model';

/** Plugins one engine may load, by plan (the plan catalog in @cw/tenant-model has no such limit). */
export const PLUGINS_PER_ENGINE: Readonly<Record<PlanName, number>> = {
  starter: 2,
  team: 5,
  enterprise: 20,
};

const loaders: Record<KnownPlugin, () => Promise<Record<string, unknown>>> = {
  payments: () => import('@cw/plugin-payments'),
  email: () => import('@cw/plugin-email'),
  github: () => import('@cw/plugin-github'),
  travel: () => import('@cw/plugin-travel'),
  proxy: () => import('@cw/plugin-proxy'),
};

/** Entries whose tools are not known until an engine is configured (no static manifest). */
const CONFIGURED: Partial<Record<KnownPlugin, { title: string; description: string }>> = {
  proxy: {
    title: 'MCP proxy',
    description:
      "Forwards to an upstream MCP server set in the engine's config. Its tools are classified by that config and pinned: a changed tool description blocks the tool until a manager approves it.",
  },
};

const toolSchema = z.object({
  name: z.string(),
  title: z.string(),
  description: z.string(),
  classification: z.enum(['read', 'write', 'destructive']),
  minRole: z.enum(['viewer', 'developer', 'sqa', 'manager']),
  approval: z.boolean(),
  credentials: z.array(z.string()),
});

export const catalogEntrySchema = z
  .object({
    id: z.string(),
    version: z.string().nullable(),
    title: z.string(),
    description: z.string(),
    /** `static`: tools from the package's manifest; `configured`: tools come from the engine config. */
    kind: z.enum(['static', 'configured']),
    credentials: z.array(z.object({ name: z.string(), description: z.string() })),
    outboundHosts: z.array(z.string()),
    tools: z.array(toolSchema),
  })
  .meta({ id: 'CatalogEntry' });
export type CatalogEntry = z.output<typeof catalogEntrySchema>;

export const catalogViewSchema = z
  .object({
    plugins: z.array(catalogEntrySchema),
    limits: z.object({
      pluginsPerEngine: z.record(z.enum(PLAN_NAMES), z.int()),
      engines: z.record(z.enum(PLAN_NAMES), z.int()),
    }),
  })
  .meta({ id: 'PluginCatalog' });
export type CatalogView = z.output<typeof catalogViewSchema>;

const isManifest = (v: unknown, id: string): v is PluginManifest =>
  typeof v === 'object' &&
  v !== null &&
  (v as PluginManifest).id === id &&
  Array.isArray((v as PluginManifest).tools) &&
  Array.isArray((v as PluginManifest).credentials) &&
  (v as PluginManifest).tools.every((t) => typeof t.classification === 'string');

const isPlugin = (v: unknown, id: string): v is Plugin =>
  typeof v === 'object' &&
  v !== null &&
  (v as Plugin).id === id &&
  Array.isArray((v as Plugin).tools) &&
  (v as Plugin).tools.every((t) => typeof t.run === 'function');

/** The manifest a plugin package exports: `manifest`, else one built from its exported Plugin. */
export function manifestOf(mod: Record<string, unknown>, id: string): PluginManifest | undefined {
  if (isManifest(mod['manifest'], id)) return mod['manifest'];
  const plugin = Object.values(mod).find((v) => isPlugin(v, id));
  return plugin ? pluginManifest(plugin) : undefined;
}

const entryOf = (m: PluginManifest): CatalogEntry => ({
  id: m.id,
  version: m.version,
  title: m.title,
  description: m.description,
  kind: 'static',
  credentials: m.credentials.map((c) => ({ name: c.name, description: c.description })),
  outboundHosts: [...m.outboundHosts],
  tools: m.tools.map((t) => ({
    name: t.name,
    title: t.title,
    description: t.description,
    classification: t.classification,
    minRole: t.minRole,
    approval: t.approval,
    credentials: [...t.credentials],
  })),
});

export class PluginCatalog {
  private constructor(readonly entries: readonly CatalogEntry[]) {}

  /** Every known plugin with metadata; a package that exports none is left out (never invented). */
  static async load(): Promise<PluginCatalog> {
    const entries: CatalogEntry[] = [];
    for (const id of KNOWN_PLUGINS) {
      const mod = await loaders[id]().catch(() => ({}) as Record<string, unknown>);
      const manifest = manifestOf(mod, id);
      const configured = CONFIGURED[id];
      if (manifest) entries.push(entryOf(manifest));
      else if (configured)
        entries.push({
          id,
          version: null,
          kind: 'configured',
          credentials: [],
          outboundHosts: [],
          tools: [],
          ...configured,
        });
    }
    return new PluginCatalog(entries);
  }

  static of(entries: readonly CatalogEntry[]): PluginCatalog {
    return new PluginCatalog(entries);
  }

  get(id: string): CatalogEntry | undefined {
    return this.entries.find((e) => e.id === id);
  }

  ids(): string[] {
    return this.entries.map((e) => e.id);
  }
}

let shared: Promise<PluginCatalog> | undefined;
/** The process-wide catalog (plugin packages do not change while the control plane runs). */
export const sharedPluginCatalog = (): Promise<PluginCatalog> => (shared ??= PluginCatalog.load());
