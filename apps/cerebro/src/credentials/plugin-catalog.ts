/**
 * Plugin metadata for the tenant's engines, from the plugin packages themselves
 * (`@cw/plugin-<id>` exports a Plugin; its manifest lists the credentials it needs). Loaded
 * lazily; a plugin id without a known package shows as "no metadata" rather than failing.
 */
import { pluginManifest, type Plugin, type PluginManifest } from '@cw/mcp-gate';

type Loader = () => Promise<Record<string, unknown>>;
const LOADERS: Record<string, Loader> = {
  payments: () => import('@cw/plugin-payments'),
  email: () => import('@cw/plugin-email'),
  github: () => import('@cw/plugin-github'),
  travel: () => import('@cw/plugin-travel'),
  proxy: () => import('@cw/plugin-proxy'),
};

const isPlugin = (value: unknown): value is Plugin =>
  Boolean(value && typeof value === 'object' && 'id' in value && 'tools' in value && 'credentials' in value);

/** `acme/jira@1.2.0` → `jira`; `payments` → `payments`. */
export const pluginIdOf = (entry: string): string => entry.replace(/@.*$/, '').split('/').pop() ?? entry;

export class PluginCatalog {
  private readonly cache = new Map<string, Promise<PluginManifest | undefined>>();

  constructor(private readonly extra: Readonly<Record<string, PluginManifest>> = {}) {}

  manifest(entry: string): Promise<PluginManifest | undefined> {
    const id = pluginIdOf(entry);
    let found = this.cache.get(id);
    if (!found) {
      found = this.load(id);
      this.cache.set(id, found);
    }
    return found;
  }

  private async load(id: string): Promise<PluginManifest | undefined> {
    if (this.extra[id]) return this.extra[id];
    const loader = LOADERS[id];
    if (!loader) return undefined;
    try {
      const mod = await loader();
      const plugin = Object.values(mod).find((v) => isPlugin(v) && v.id === id);
      return plugin ? pluginManifest(plugin as Plugin) : undefined;
    } catch {
      return undefined;
    }
  }
}
