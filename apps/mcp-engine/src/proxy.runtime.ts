/**
 * The proxy kind in a running engine: `pluginConfig.proxy` (upstream URL, vault credential,
 * classification rules) becomes a plugin built with `createProxyPlugin` and handed to the gate as
 * plugin `proxy` (tools `proxy.<upstream tool>`). Tool pins live in the tenant store (scoped by
 * engine); every pin event (pinned, changed, removed, approved, skipped) is written to the
 * engine's audit. The tools are listed with the org-level value of the configured credential.
 *
 * An upstream that cannot be reached at start (or after a config change) leaves the proxy
 * unavailable — its tools answer `unknown-tool`, the dashboard names the reason — and is retried;
 * an invalid `pluginConfig.proxy` is reported by field and waits for the next config change.
 */
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { AuditRow, Gate, ToolUser } from '@cw/mcp-gate';
import type { Logger } from '@cw/observability';
import {
  createProxyPlugin,
  ProxyConfigError,
  TenantStoreToolPinStore,
  ToolVersionError,
  type PendingToolVersion,
  type PinEvent,
  type ProxyConfig,
  type ProxyPlugin,
  type ToolPin,
} from '@cw/plugin-proxy';
import type { EngineConfig } from '@cw/tenant-model';
import type { TenantStore } from '@cw/tenant-store';
import type { VaultBackend } from '@cw/vault';

export const PROXY_ID = 'proxy';

export interface ProxyRuntimeDeps {
  gate: Gate;
  store: TenantStore;
  vault: VaultBackend;
  /** The engine's guarded fetch (its allowlist is the config's outbound.allowHosts). */
  fetch: typeof fetch;
  log: Logger;
  engine: string;
  /** How long to wait before trying an unreachable upstream again. */
  retryMs?: number;
  /** Called with each plugin built (metrics learn its tool names). */
  onBuilt?: (plugin: ProxyPlugin) => void;
}

export type ProxyState =
  { state: 'off' } | { state: 'ready'; tools: number } | { state: 'unavailable'; reason: string };

export class ProxyRuntime {
  private plugin?: ProxyPlugin;
  private built?: unknown;
  private wanted?: Record<string, unknown>;
  private status: ProxyState = { state: 'off' };
  private retry?: NodeJS.Timeout;
  private building?: Promise<void>;
  private again = false;
  private closed = false;
  private readonly pins: TenantStoreToolPinStore;

  constructor(private readonly deps: ProxyRuntimeDeps) {
    this.pins = new TenantStoreToolPinStore(deps.store, deps.engine);
  }

  get state(): ProxyState {
    return this.status;
  }

  /** At start and on every config change: (re)builds the plugin when its config changed. */
  async apply(config: EngineConfig): Promise<void> {
    if (!config.plugins.includes(PROXY_ID)) {
      // Disabled: the gate refuses its tools as plugin-disabled; nothing is listed upstream.
      this.wanted = undefined;
      this.clearRetry();
      if (!this.plugin) this.status = { state: 'off' };
      return;
    }
    const raw = config.pluginConfig[PROXY_ID];
    if (!raw) {
      this.wanted = undefined;
      this.fail('pluginConfig.proxy: is missing (url, auth, rules of the upstream MCP server)', false);
      return;
    }
    this.wanted = raw;
    if (this.plugin && isDeepStrictEqual(raw, this.built)) {
      // Back to the config the running plugin was built from (e.g. after a bad edit).
      this.clearRetry();
      this.status = { state: 'ready', tools: this.plugin.tools.length };
      return;
    }
    await this.build();
  }

  /** One build at a time; a change that arrives meanwhile is built right after it. */
  private build(): Promise<void> {
    if (this.building) {
      this.again = true;
      return this.building;
    }
    this.building = (async () => {
      do {
        this.again = false;
        await this.buildOnce();
      } while (this.again && !this.closed);
    })().finally(() => {
      this.building = undefined;
    });
    return this.building;
  }

  private async buildOnce(): Promise<void> {
    const raw = this.wanted;
    if (!raw || this.closed) return;
    this.clearRetry();
    try {
      const plugin = await createProxyPlugin(
        { ...(raw as ProxyConfig), id: PROXY_ID },
        {
          pins: this.pins,
          fetch: this.deps.fetch,
          ...this.enableCredential(raw),
          onPinEvent: (event) => this.audit(event),
        },
      );
      this.plugin = plugin;
      this.built = raw;
      this.deps.gate.setPlugin(plugin);
      this.deps.onBuilt?.(plugin);
      this.status = { state: 'ready', tools: plugin.tools.length };
      this.deps.log.info({ tools: plugin.tools.length }, 'proxy plugin ready');
    } catch (error) {
      if (error instanceof ProxyConfigError) this.fail(error.message, false);
      else this.fail(`the upstream MCP server could not be listed: ${describe(error)}`, true);
    }
  }

  private enableCredential(raw: Record<string, unknown>): { enableCredential?: () => Promise<string> } {
    const name = (raw.auth as { credential?: unknown } | undefined)?.credential;
    if (typeof name !== 'string') return {};
    return {
      enableCredential: async () => {
        const value = await this.deps.vault.get({ plugin: PROXY_ID, name, scope: { level: 'org' } });
        if (value === undefined)
          throw new Error(
            `no org-level "${name}" credential for the proxy plugin in the vault (needed to list the upstream's tools)`,
          );
        return value;
      },
    };
  }

  private fail(reason: string, retry: boolean): void {
    // A plugin built before stays in the gate: its pins are still checked on every call.
    this.status = { state: 'unavailable', reason };
    this.deps.log.error({ reason }, `proxy plugin unavailable: ${reason}`);
    if (retry && !this.closed) {
      this.retry = setTimeout(() => void this.build(), this.deps.retryMs ?? 30_000);
      this.retry.unref();
    }
  }

  private clearRetry(): void {
    if (this.retry) clearTimeout(this.retry);
    this.retry = undefined;
  }

  /** Pinned tools whose upstream version changed, with what the upstream offers now. */
  async pending(): Promise<PendingToolVersion[]> {
    if (!this.plugin) return (await this.pins.list(PROXY_ID)).filter(hasPending);
    return this.plugin.pendingVersions();
  }

  async list(): Promise<ToolPin[]> {
    return this.pins.list(PROXY_ID);
  }

  /**
   * A manager approves exactly the pending version `hash` of `tool`; the plugin is rebuilt so
   * tools/list and argument validation use the approved description and schema.
   */
  async approve(
    tool: string,
    hash: string,
    manager: ToolUser,
  ): Promise<{ ok: true; pin: ToolPin } | { ok: false; status: number; message: string }> {
    if (!this.plugin) return { ok: false, status: 409, message: 'the proxy plugin is not available' };
    try {
      const pin = await this.plugin.approveToolVersion(tool, hash, this.deps.gate.hash(manager.id));
      await this.build();
      return { ok: true, pin };
    } catch (error) {
      if (error instanceof ToolVersionError) {
        const current = await this.pins.get(PROXY_ID, tool);
        return current?.pendingHash
          ? { ok: false, status: 409, message: `${error.message} (the pending version is another one)` }
          : { ok: false, status: 404, message: error.message };
      }
      throw error;
    }
  }

  private audit(event: PinEvent): void {
    if (event.kind === 'outdated') {
      // Approved elsewhere (another replica): rebuild so tools/list shows the approved version.
      void this.build();
      return;
    }
    const actor =
      event.kind === 'approved' ? event.approvedBy : this.deps.gate.hash(`engine:${this.deps.engine}`);
    const ok = event.kind === 'pinned' || event.kind === 'approved';
    const row: AuditRow = {
      at: new Date().toISOString(),
      engine: this.deps.engine,
      userHash: /^[0-9a-f]{64}$/.test(actor) ? actor : this.deps.gate.hash(actor),
      tool: `${PROXY_ID}.${event.tool}`.slice(0, 200),
      decision: ok ? 'allow' : 'refuse',
      reason: `tool-${event.kind}`,
      result: ok ? 'ok' : 'refused',
      latencyMs: 0,
      correlationId: randomUUID(),
    };
    const hashes =
      event.kind === 'changed'
        ? { pinned: event.pinned.slice(0, 12), seen: event.seen.slice(0, 12) }
        : 'hash' in event
          ? { hash: event.hash.slice(0, 12) }
          : {};
    this.deps.log[ok ? 'info' : 'warn']({ audit: row, ...hashes }, `proxy pin ${event.kind}: ${row.tool}`);
    void this.deps.gate.audit
      .write(row)
      .catch((error: unknown) => this.deps.log.error({ err: error }, 'proxy pin event could not be audited'));
  }

  close(): void {
    this.closed = true;
    this.clearRetry();
  }
}

const hasPending = (p: ToolPin): p is PendingToolVersion => typeof p.pendingHash === 'string';

function describe(error: unknown): string {
  const e = error as { name?: string; message?: string; status?: unknown };
  if (e?.status === 401 || e?.status === 403) return `it refused the credential (HTTP ${String(e.status)})`;
  const message = String(e?.message ?? error).slice(0, 200);
  return !e?.name || e.name === 'Error' ? message : `${e.name}: ${message}`;
}
