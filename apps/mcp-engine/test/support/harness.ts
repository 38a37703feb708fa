/**
 * One engine on real HTTP ports for a test file: the local Stripe server, a token issuer with
 * its JWKS on 127.0.0.1, a memory vault holding the org's Stripe key, the config as a real file
 * (so tests change it and watch the engine reload), logs captured for leak scans, and the SDK's
 * own client.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { createLogger, createTestLogSink, type TestLogSink } from '@cw/observability';
import type { Plugin } from '@cw/mcp-gate';
import { engineConfigSchema, type EngineConfig, type EngineConfigInput } from '@cw/tenant-model';
import { MemoryTenantStore, type TenantStore } from '@cw/tenant-store';
import { MemoryVaultBackend } from '@cw/vault';
import { startStripeServer, type StripeTestServer } from '@cw/testing/stripe';
import type { OnboardingContext } from '../../src/first-tool-call.js';
import { loadEngineConfig, startEngine, type EngineHandle } from '../../src/index.js';
import { startTokenIssuer, type MintOptions, type TestUser, type TokenIssuer } from './token-issuer.js';

export const TENANT = 'acme';
export const RESOURCE = 'http://engine-main.tenant-acme.svc:5001/mcp';
export const SALT = 'test-salt-0123456789abcdef';

const user = (role: string, groups: string[] = ['staff']): TestUser => ({
  sub: `u-${role}`,
  email: `${role}.person@acme-corp.test`,
  roles: [role],
  groups,
});
export const USERS = {
  viewer: user('viewer'),
  developer: user('developer'),
  sqa: user('sqa'),
  manager: user('manager'),
  manager2: { ...user('manager'), sub: 'u-manager-2', email: 'second.manager@acme-corp.test' },
} as const;

export interface Harness {
  engine: EngineHandle;
  issuer: TokenIssuer;
  stripe: StripeTestServer;
  vault: MemoryVaultBackend;
  store: TenantStore;
  logs: TestLogSink;
  configFile: string;
  config: () => EngineConfig;
  token(user: TestUser, opts?: MintOptions): Promise<string>;
  connect(user: TestUser): Promise<Client>;
  /** Rewrites the config file with a change and makes the engine re-read it now. */
  reconfigure(patch: Partial<EngineConfigInput>): EngineConfig;
  close(): Promise<void>;
}

export interface HarnessOptions {
  store?: TenantStore;
  config?: Partial<EngineConfigInput>;
  catalog?: readonly Plugin[];
  /** Credentials the engine needs at start (e.g. the proxy's org-level token to list tools). */
  seedVault?: (vault: MemoryVaultBackend) => Promise<void>;
  proxyRetryMs?: number;
  /** A Stripe server the test started (e.g. with more keys); the harness starts its own otherwise. */
  stripe?: StripeTestServer;
  onboarding?: OnboardingContext;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const stripe = opts.stripe ?? (await startStripeServer());
  const issuer = await startTokenIssuer({ tenant: TENANT, audience: RESOURCE });
  const dir = mkdtempSync(join(tmpdir(), 'cw-engine-'));
  const saltFile = join(dir, 'salt');
  writeFileSync(saltFile, SALT);
  const configFile = join(dir, 'config.json');
  let raw: EngineConfigInput = {
    tenant: TENANT,
    engine: 'main',
    plugins: ['payments'],
    pluginConfig: { payments: { apiBase: stripe.url } },
    readOnly: false,
    maintenance: false,
    auditLog: true,
    ports: { dashboard: 0, mcp: 0 },
    listenHost: '127.0.0.1',
    auth: { issuer: issuer.issuer, jwksUrl: issuer.jwksUrl, resource: RESOURCE },
    store: { kind: 'memory' },
    vault: { kind: 'memory' },
    saltFile,
    allowedHosts: ['127.0.0.1', 'localhost'],
    outbound: { allowHosts: [`127.0.0.1:${stripe.port}`] },
    ...opts.config,
  };
  writeFileSync(configFile, JSON.stringify(raw));
  const store = opts.store ?? new MemoryTenantStore(TENANT);
  const vault = new MemoryVaultBackend(TENANT);
  await vault.put(
    { plugin: 'payments', name: 'api_key', scope: { level: 'org' } },
    stripe.secretKey,
    'admin',
  );
  await opts.seedVault?.(vault);
  const logs = createTestLogSink();
  const engine = await startEngine(loadEngineConfig(configFile), {
    configFile,
    store,
    vault,
    logger: createLogger({ name: 'mcp-engine', level: 'info', destination: logs.destination }),
    configPollMs: 60_000,
    ...(opts.catalog ? { catalog: opts.catalog } : {}),
    ...(opts.proxyRetryMs ? { proxyRetryMs: opts.proxyRetryMs } : {}),
    ...(opts.onboarding ? { onboarding: opts.onboarding } : {}),
  });
  const clients: Client[] = [];
  const token = (u: TestUser, o?: MintOptions) => issuer.mint(u, o);
  return {
    engine,
    issuer,
    stripe,
    vault,
    store,
    logs,
    configFile,
    config: engine.config,
    token,
    async connect(u) {
      const client = new Client({ name: 'engine-test', version: '1.0.0' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(engine.mcpUrl), {
          requestInit: { headers: { authorization: `Bearer ${await token(u)}` } },
        }),
      );
      clients.push(client);
      return client;
    },
    reconfigure(patch) {
      raw = { ...raw, ...patch };
      writeFileSync(configFile, JSON.stringify(raw));
      engine.reloadConfig();
      return engineConfigSchema.parse(raw);
    },
    async close() {
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
      await engine.close();
      await Promise.all([opts.stripe ? undefined : stripe.close(), issuer.close()]);
      if (!opts.store) await store.close();
    },
  };
}

/** The text of a tool result (first content block). */
export const textOf = (result: { content?: unknown }): string =>
  ((result.content as Array<{ type: string; text?: string }> | undefined)?.[0]?.text ?? '') as string;
