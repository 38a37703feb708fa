/**
 * Composition of one engine process from its config: tenant store, vault cascade, plugin catalog,
 * gate, token verifier, the MCP port (/mcp, approvals API, RFC 9728 metadata) and the dashboard
 * port. Everything a test needs to swap (store, vault, keys, catalog) can be passed in.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWTVerifyGetKey } from 'jose';
import { Gate, type AuditRow, type GateSettings, type Plugin } from '@cw/mcp-gate';
import { createLogger, type Logger } from '@cw/observability';
import { createGuardedFetch } from '@cw/outbound';
import { EngineConfigError, type EngineConfig } from '@cw/tenant-model';
import { openTenantStore, type TenantStore } from '@cw/tenant-store';
import { CredentialResolver, openVault, type VaultBackend } from '@cw/vault';
import { handleApprovals } from './approvals.controller.js';
import { ConfigWatcher } from './config.loader.js';
import { handleDashboard } from './dashboard.server.js';
import { EngineMetrics } from './engine.metrics.js';
import { FirstToolCall, type OnboardingContext } from './first-tool-call.js';
import { sendJson } from './http.util.js';
import { McpEndpoint } from './mcp.endpoint.js';
import { loadCatalog } from './plugin.catalog.js';
import { PROXY_ID, ProxyRuntime } from './proxy.runtime.js';
import { handleToolPins } from './tool-pins.controller.js';
import { TokenVerifier } from './token.verifier.js';

export interface EngineOptions {
  /** The file to watch for hot changes (the one `config` was read from). */
  configFile?: string;
  logger?: Logger;
  store?: TenantStore;
  vault?: VaultBackend;
  /** Signing keys instead of the remote JWKS (tests). */
  keys?: JWTVerifyGetKey;
  catalog?: readonly Plugin[];
  fetch?: typeof fetch;
  configPollMs?: number;
  /** How long before an unreachable proxy upstream is tried again (default 30 s). */
  proxyRetryMs?: number;
  /** The tenant's onboarding: its first successful tool call is recorded as stage first_tool_call. */
  onboarding?: OnboardingContext;
}

export interface EngineHandle {
  readonly mcpUrl: string;
  readonly dashboardUrl: string;
  readonly gate: Gate;
  readonly store: TenantStore;
  /** The proxy kind built from `pluginConfig.proxy` (state, pins, re-approval). */
  readonly proxy: ProxyRuntime;
  readonly config: () => EngineConfig;
  /** Re-read the config file now instead of waiting for the poller. */
  readonly reloadConfig: () => void;
  /** Resolves when the onboarding record of a first tool call, if one is being written, is done. */
  readonly onboardingSettled: () => Promise<void>;
  close(): Promise<void>;
}

const RECENT = 100;

export const gateSettings = (c: EngineConfig): GateSettings => ({
  engine: c.engine,
  plugins: c.plugins,
  readOnly: c.readOnly,
  maintenance: c.maintenance,
  auditLog: c.auditLog,
  pluginConfig: c.pluginConfig,
  timeoutMs: c.calls.timeoutMs,
  maxRequestBytes: c.calls.maxRequestBytes,
  maxResultBytes: c.calls.maxResultBytes,
  approvalTtlSeconds: c.calls.approvalTtlSeconds,
});

function readSalt(file: string): string {
  let salt: string;
  try {
    salt = readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new EngineConfigError([
      `saltFile: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    ]);
  }
  if (salt.length < 16) throw new EngineConfigError(['saltFile: the salt must be at least 16 characters']);
  return salt;
}

export async function startEngine(initial: EngineConfig, options: EngineOptions = {}): Promise<EngineHandle> {
  let config = initial;
  const log = options.logger ?? createLogger({ name: 'mcp-engine' });
  const salt = readSalt(config.saltFile);
  const store = options.store ?? (await openTenantStore(config.store, { tenant: config.tenant }));
  await store.init();
  const vault = options.vault ?? (await openVault(config.vault, { tenant: config.tenant, store }));
  const catalog = options.catalog
    ? { plugins: [...options.catalog], missing: [] as string[] }
    : await loadCatalog();
  // The proxy package exports no fixed plugin: it is built from its config (ProxyRuntime below).
  const missingEnabled = () => [
    ...config.plugins.filter((p) => p !== PROXY_ID && catalog.missing.includes(p as never)),
    ...(config.plugins.includes(PROXY_ID) && proxy.state.state !== 'ready' ? [PROXY_ID] : []),
  ];

  const recent: AuditRow[] = [];
  const knownTools = new Set(catalog.plugins.flatMap((p) => p.tools.map((t) => `${p.id}.${t.name}`)));
  // The gauges read the gate and the endpoint at scrape time, after both exist.
  const metrics: EngineMetrics = new EngineMetrics(
    knownTools,
    () => gate.approvals.countPending(),
    () => endpoint.sessionCount,
  );
  const firstToolCall = options.onboarding
    ? new FirstToolCall({
        store,
        registry: metrics.registry,
        context: options.onboarding,
        engine: config.engine,
        log,
      })
    : undefined;
  // One outbound policy for fetch and for the sockets plugins open themselves (SMTP, IMAP):
  // outbound.allowHosts is empty in production, so only public addresses are reachable.
  const outboundPolicy = { allowHosts: config.outbound.allowHosts, timeoutMs: config.calls.timeoutMs };
  const guardedFetch = options.fetch ?? createGuardedFetch(outboundPolicy);
  const gate = new Gate(
    {
      store,
      credentials: new CredentialResolver(vault, { cacheTtlMs: 10_000 }),
      salt,
      fetch: guardedFetch,
      outboundPolicy,
      catalog: catalog.plugins,
      onAudit: (row) => {
        metrics.record(row);
        firstToolCall?.observe(row);
        recent.unshift(row);
        if (recent.length > RECENT) recent.pop();
        log.info({ audit: row }, `tool call ${row.tool}: ${row.decision} (${row.reason})`);
      },
    },
    gateSettings(config),
  );
  const proxy = new ProxyRuntime({
    gate,
    store,
    vault,
    fetch: guardedFetch,
    log,
    engine: config.engine,
    ...(options.proxyRetryMs ? { retryMs: options.proxyRetryMs } : {}),
    onBuilt: (plugin) => {
      for (const t of plugin.tools) knownTools.add(`${plugin.id}.${t.name}`);
    },
  });
  await proxy.apply(config);
  const verifier = new TokenVerifier({
    ...config.auth,
    tenant: config.tenant,
    ...(options.keys ? { keys: options.keys } : {}),
  });
  const endpoint = new McpEndpoint({
    gate,
    verifier,
    engine: config.engine,
    resource: config.auth.resource,
    allowedHosts: config.allowedHosts,
    maxRequestBytes: () => config.calls.maxRequestBytes,
    onAuthFailure: () => metrics.authFailures.inc(),
  });

  const metadata = () => ({
    resource: config.auth.resource,
    authorization_servers: [config.auth.issuer],
    bearer_methods_supported: ['header'],
    resource_name: `ContextWeaver engine ${config.engine}`,
  });
  const mcpServer = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://engine');
    const work = (async () => {
      if (req.method === 'GET' && url.pathname.startsWith('/.well-known/oauth-protected-resource'))
        return sendJson(res, 200, metadata());
      if (url.pathname === '/mcp') return endpoint.handle(req, res);
      if (url.pathname === '/approvals' || url.pathname.startsWith('/approvals/'))
        return handleApprovals(req, res, url.pathname, url.searchParams, gate, endpoint);
      if (url.pathname === '/tool-pins' || url.pathname.startsWith('/tool-pins/'))
        return handleToolPins(req, res, url.pathname, url.searchParams, proxy, endpoint);
      sendJson(res, 404, { error: 'not_found' });
    })();
    work.catch((error: unknown) => fail(log, res, error));
  });
  let closing = false;
  const dashboard = createServer((req, res) => {
    handleDashboard(req, res, {
      gate,
      metrics,
      tenant: config.tenant,
      ready: () => !closing,
      missingPlugins: missingEnabled,
      proxy: () => proxy.state,
      recent: () => recent,
    }).catch((error: unknown) => fail(log, res, error));
  });
  const mcpAddr = await listen(mcpServer, config.ports.mcp, config.listenHost);
  const dashAddr = await listen(dashboard, config.ports.dashboard, config.listenHost);
  const notBuilt = missingEnabled().filter((p) => p !== PROXY_ID);
  if (notBuilt.length > 0)
    log.error(
      { missing: notBuilt },
      `plugins listed in the config are not built into this engine: ${notBuilt.join(', ')}`,
    );

  const watcher = options.configFile
    ? new ConfigWatcher(
        options.configFile,
        config,
        (change) => {
          config = change.next;
          gate.update(gateSettings(config));
          void proxy.apply(config);
          if (change.applied.length) log.info({ fields: change.applied }, 'engine config change applied');
          if (change.needsRestart.length)
            log.warn({ fields: change.needsRestart }, 'engine config change needs a restart to take effect');
        },
        (error) => log.error({ err: error }, 'engine config change ignored: the file is invalid'),
        options.configPollMs,
      )
    : undefined;
  watcher?.start();
  const host = config.listenHost === '0.0.0.0' ? '127.0.0.1' : config.listenHost;
  log.info({ engine: config.engine, plugins: config.plugins }, 'engine started');
  return {
    mcpUrl: `http://${host}:${mcpAddr.port}/mcp`,
    dashboardUrl: `http://${host}:${dashAddr.port}`,
    gate,
    store,
    proxy,
    config: () => config,
    reloadConfig: () => watcher?.check(),
    onboardingSettled: async () => firstToolCall?.settled(),
    async close() {
      closing = true;
      watcher?.stop();
      proxy.close();
      await endpoint.close();
      await Promise.all([closeServer(mcpServer), closeServer(dashboard)]);
      await firstToolCall?.settled();
      if (!options.store) await store.close();
    },
  };
}

function fail(log: Logger, res: ServerResponse, error: unknown): void {
  log.error({ err: error }, 'request failed');
  sendJson(res, 500, { error: 'internal_error' });
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server.address() as AddressInfo));
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export type { IncomingMessage };
