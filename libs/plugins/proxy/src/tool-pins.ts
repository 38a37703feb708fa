/**
 * Tool pinning (the rug-pull defence): when a proxied plugin is enabled, each upstream tool's
 * name, description and input schema are hashed and recorded. A tool whose hash later differs
 * is refused until a manager approves the new hash; the pending hash is kept so the manager
 * approves exactly the version that was seen. The engine persists pins in the tenant store.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { defineCollection, type TenantStore } from '@cw/tenant-store';

export interface ToolPin {
  readonly plugin: string;
  readonly tool: string;
  /** sha256 of the approved version. */
  readonly hash: string;
  /** Who approved it (a hashed user id, or `enable` for the version seen when enabling). */
  readonly approvedBy: string;
  readonly approvedAt: string;
  /** A changed version seen upstream and not approved yet. */
  readonly pendingHash?: string;
  readonly pendingSince?: string;
  /** Since when the upstream no longer offers the tool (audited once, cleared when it returns). */
  readonly removedSince?: string;
}

export interface ToolPinStore {
  get(plugin: string, tool: string): Promise<ToolPin | undefined>;
  put(pin: ToolPin): Promise<void>;
  list(plugin: string): Promise<ToolPin[]>;
}

/** Canonical JSON: keys sorted at every level, so the hash does not depend on key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

export const toolHash = (tool: { name: string; description?: string; inputSchema: unknown }): string =>
  createHash('sha256')
    .update(
      canonicalJson({ name: tool.name, description: tool.description ?? '', inputSchema: tool.inputSchema }),
    )
    .digest('hex');

export class MemoryToolPinStore implements ToolPinStore {
  private readonly pins = new Map<string, ToolPin>();
  async get(plugin: string, tool: string) {
    return this.pins.get(`${plugin}\u0000${tool}`);
  }
  async put(pin: ToolPin) {
    this.pins.set(`${pin.plugin}\u0000${pin.tool}`, pin);
  }
  async list(plugin: string) {
    return [...this.pins.values()].filter((p) => p.plugin === plugin);
  }
}

const pinSchema = z.object({
  plugin: z.string(),
  tool: z.string(),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  approvedBy: z.string(),
  approvedAt: z.string(),
  pendingHash: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  pendingSince: z.string().optional(),
  removedSince: z.string().optional(),
});
export const TOOL_PINS = defineCollection<ToolPin>('proxy-tool-pins', pinSchema);

/**
 * Pins in the tenant's data store: partition = `<scope>/<plugin id>` (the engine sets `scope` to
 * its name, so two engines of a tenant proxying different servers never share pins), id = tool.
 */
export class TenantStoreToolPinStore implements ToolPinStore {
  constructor(
    private readonly store: TenantStore,
    private readonly scope?: string,
  ) {}
  private partition(plugin: string) {
    return this.scope ? `${this.scope}/${plugin}` : plugin;
  }
  async get(plugin: string, tool: string) {
    return (await this.store.collection(TOOL_PINS).get(this.partition(plugin), tool))?.value;
  }
  async put(pin: ToolPin) {
    await this.store.collection(TOOL_PINS).put(this.partition(pin.plugin), pin.tool, pin);
  }
  async list(plugin: string) {
    const out: ToolPin[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.store
        .collection(TOOL_PINS)
        .query(this.partition(plugin), { limit: 1000, ...(cursor ? { cursor } : {}) });
      out.push(...page.items.map((i) => i.value));
      cursor = page.cursor;
    } while (cursor);
    return out;
  }
}
