/**
 * The plugins built into this engine, by id. Each plugin package exports its Plugin; a plugin
 * whose package is not built yet (or exports none) is reported as missing, and the gate refuses
 * its tools as "plugin-disabled" — never silently ignored. The proxy kind is not here: it has no
 * fixed tools and is built from `pluginConfig.proxy` at run time (proxy.runtime.ts).
 */
import { KNOWN_PLUGINS, type KnownPlugin } from '@cw/tenant-model';
import type { Plugin } from '@cw/mcp-gate';

type FixedPlugin = Exclude<KnownPlugin, 'proxy'>;
const loaders: Record<FixedPlugin, () => Promise<Record<string, unknown>>> = {
  payments: () => import('@cw/plugin-payments'),
  email: () => import('@cw/plugin-email'),
  github: () => import('@cw/plugin-github'),
  travel: () => import('@cw/plugin-travel'),
};

/** A Plugin, not its manifest (which has the same id and tools, but no schemas or functions). */
const isPlugin = (v: unknown, id: string): v is Plugin =>
  typeof v === 'object' &&
  v !== null &&
  (v as Plugin).id === id &&
  Array.isArray((v as Plugin).tools) &&
  (v as Plugin).tools.every((t) => typeof t.run === 'function' && typeof t.input === 'object');

export async function loadCatalog(): Promise<{ plugins: Plugin[]; missing: KnownPlugin[] }> {
  const plugins: Plugin[] = [];
  const missing: KnownPlugin[] = [];
  for (const id of KNOWN_PLUGINS) {
    if (id === 'proxy') continue;
    const mod = await loaders[id]().catch(() => ({}) as Record<string, unknown>);
    const plugin = Object.values(mod).find((v) => isPlugin(v, id));
    if (plugin) plugins.push(plugin);
    else missing.push(id);
  }
  return { plugins, missing };
}
