/**
 * The engine starts from exactly the config file `cw render` produces: every engine ConfigMap
 * rendered from tenants/examples/*.yaml parses with the engine's schema unchanged, and one of them
 * boots the engine as a real process (node main.ts) that the SDK client lists and calls. Only
 * what cannot exist on this machine is swapped: ports, the token issuer, store/vault adapters and
 * the mounted salt file. A bad config or an unknown plugin stops with the field's path.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { z } from 'zod';
import { engineConfigSchema, type EngineConfig } from '@cw/tenant-model';
import { startUpstreamMcpServer } from '@cw/testing/mcp';
import { startTokenIssuer } from './support/token-issuer.js';
import { USERS } from './support/harness.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const examples = join(root, 'tenants/examples');
const cw = (...args: string[]) =>
  spawnSync(process.execPath, [join(root, 'tools/cli/bin/cw.js'), ...args], { cwd: root, encoding: 'utf8' });

const rendered = new Map<string, Array<{ name: string; config: unknown }>>();
function renderedEngineConfigs(file: string): Array<{ name: string; config: unknown }> {
  const cached = rendered.get(file);
  if (cached) return cached;
  const r = cw('render', file);
  expect(r.status, r.stderr).toBe(0);
  const configs = parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as { kind?: string; metadata?: { name?: string }; data?: Record<string, string> })
    .filter((o) => o?.kind === 'ConfigMap' && o.metadata?.name === 'tenant-config')
    // Each engine's file is its own key (engine-<name>.json) of the tenant's ConfigMap.
    .flatMap((o) => Object.entries(o.data ?? {}).filter(([key]) => /^engine-.*\.json$/.test(key)))
    .map(([key, text]) => ({ name: key, config: JSON.parse(text) as unknown }));
  rendered.set(file, configs);
  return configs;
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGTERM');
});

function startProcess(configFile: string): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'apps/mcp-engine/src/main.ts')], {
    cwd: root,
    env: { ...process.env, CW_CONFIG_FILE: configFile, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, output: () => out, exited };
}

// Each step spawns processes (cw render, the engine); on a loaded 2-core machine that takes long.
describe('the engine config cw render produces', { timeout: 240_000 }, () => {
  const files = readdirSync(examples).filter((f) => f.endsWith('.yaml'));
  beforeAll(() => {
    for (const f of files) renderedEngineConfigs(join(examples, f));
  }, 600_000);

  it('parses unchanged with the engine schema, for every example tenant', () => {
    let count = 0;
    for (const f of files) {
      for (const { name, config } of renderedEngineConfigs(join(examples, f))) {
        const parsed = engineConfigSchema.safeParse(config);
        expect(parsed.success, `${f} ${name}: ${parsed.error?.message}`).toBe(true);
        expect(parsed.data).toEqual(config);
        count++;
      }
    }
    expect(count).toBeGreaterThanOrEqual(files.length);
  });

  it('boots the engine process, which serves the SDK client', async () => {
    const [{ config }] = renderedEngineConfigs(join(examples, 'local.yaml')) as unknown as [
      { config: EngineConfig },
    ];
    const issuer = await startTokenIssuer({ tenant: config.tenant, audience: config.auth.resource });
    const dir = mkdtempSync(join(tmpdir(), 'cw-engine-render-'));
    writeFileSync(join(dir, 'salt'), 'rendered-config-test-salt');
    const [mcp, dashboard] = [await freePort(), await freePort()];
    const file = join(dir, 'config.json');
    writeFileSync(
      file,
      JSON.stringify({
        ...config,
        ports: { mcp, dashboard },
        listenHost: '127.0.0.1',
        auth: { ...config.auth, issuer: issuer.issuer, jwksUrl: issuer.jwksUrl },
        store: { kind: 'memory' },
        vault: { kind: 'memory' },
        saltFile: join(dir, 'salt'),
        allowedHosts: [...config.allowedHosts, '127.0.0.1'],
      }),
    );
    const proc = startProcess(file);
    let ready = false;
    for (let i = 0; i < 300 && !ready && proc.child.exitCode === null; i++) {
      ready = await fetch(`http://127.0.0.1:${dashboard}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (!ready) await new Promise((r) => setTimeout(r, 200));
    }
    expect(ready, proc.output()).toBe(true);
    const client = new Client({ name: 'rendered', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${mcp}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${await issuer.mint(USERS.manager)}` } },
      }),
    );
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(
      expect.arrayContaining(
        config.plugins.includes('payments') ? ['payments.charge', 'payments.balance'] : [],
      ),
    );
    // No credential is configured in this vault: the gate says so instead of calling Stripe.
    const result = await client.callTool({ name: 'payments.balance', arguments: {} });
    expect((result.content as Array<{ text: string }>)[0]!.text).toMatch(
      /^refused: credentials: .*My Credentials/,
    );
    await client.close();
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    await issuer.close();
  });

  it('a Tenant with a proxy engine: its pluginConfig is rendered, parses unchanged, and the booted engine serves the upstream', async () => {
    const upstream = await startUpstreamMcpServer({
      tools: [{ name: 'get_ticket', description: 'Reads a ticket', input: z.object({ id: z.string() }) }],
    });
    const dir = mkdtempSync(join(tmpdir(), 'cw-engine-proxy-'));
    const tenantFile = join(dir, 'tenant.yaml');
    writeFileSync(
      tenantFile,
      readFileSync(join(examples, 'local.yaml'), 'utf8').replace(
        /plugins: \[[^\]]*\]/,
        [
          'plugins: [proxy]',
          '      pluginConfig:',
          '        proxy:',
          `          url: ${upstream.url}`,
          '          rules:',
          '            - { pattern: "get_*", classification: read, minRole: viewer }',
          '          maxResultBytes: 4096',
        ].join('\n'),
      ),
    );
    const raw = renderedEngineConfigs(tenantFile)[0]!.config;
    const config = engineConfigSchema.parse(raw);
    expect(config).toEqual(raw);
    expect(config.pluginConfig.proxy).toMatchObject({
      url: upstream.url,
      rules: [{ pattern: 'get_*', classification: 'read', minRole: 'viewer' }],
      maxResultBytes: 4096,
    });
    const issuer = await startTokenIssuer({ tenant: config.tenant, audience: config.auth.resource });
    writeFileSync(join(dir, 'salt'), 'rendered-config-test-salt');
    const [mcp, dashboard] = [await freePort(), await freePort()];
    const file = join(dir, 'config.json');
    writeFileSync(
      file,
      JSON.stringify({
        ...config,
        ports: { mcp, dashboard },
        listenHost: '127.0.0.1',
        auth: { ...config.auth, issuer: issuer.issuer, jwksUrl: issuer.jwksUrl },
        store: { kind: 'memory' },
        vault: { kind: 'memory' },
        saltFile: join(dir, 'salt'),
        allowedHosts: [...config.allowedHosts, '127.0.0.1'],
        // Tests only: the local upstream is on loopback, which the guard refuses otherwise.
        outbound: { allowHosts: [new URL(upstream.url).host] },
      }),
    );
    const proc = startProcess(file);
    let proxy: { state?: string } = {};
    for (let i = 0; i < 300 && proxy.state !== 'ready' && proc.child.exitCode === null; i++) {
      proxy = await fetch(`http://127.0.0.1:${dashboard}/api/status`).then(
        async (r) => ((await r.json()) as { proxy: { state: string } }).proxy,
        () => ({}),
      );
      if (proxy.state !== 'ready') await new Promise((r) => setTimeout(r, 200));
    }
    expect(proxy.state, proc.output()).toBe('ready');
    const client = new Client({ name: 'rendered-proxy', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${mcp}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${await issuer.mint(USERS.viewer)}` } },
      }),
    );
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('proxy.get_ticket');
    const result = await client.callTool({ name: 'proxy.get_ticket', arguments: { id: 'T-1' } });
    expect(result.isError, JSON.stringify(result)).toBeFalsy();
    expect(upstream.calls.at(-1)).toMatchObject({ tool: 'get_ticket', args: { id: 'T-1' } });
    await client.close();
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    await issuer.close();
    await upstream.close();
  });

  it('a bad config file stops the process with the field path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cw-engine-bad-'));
    const file = join(dir, 'config.json');
    const [{ config }] = renderedEngineConfigs(join(examples, 'local.yaml')) as unknown as [
      { config: EngineConfig },
    ];
    writeFileSync(file, JSON.stringify({ ...config, auth: { ...config.auth, jwksUrl: 'not a url' } }));
    const proc = startProcess(file);
    expect(await proc.exited).toBe(2);
    expect(proc.output()).toContain('auth.jwksUrl');
  });

  it('cw render refuses a plugin the platform does not ship, naming the field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cw-engine-unknown-'));
    const file = join(dir, 'tenant.yaml');
    writeFileSync(
      file,
      readFileSync(join(examples, 'local.yaml'), 'utf8').replace(
        /plugins: \[[^\]]*\]/,
        'plugins: [payments, slack]',
      ),
    );
    const r = cw('render', file);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/spec\.engines\[0\]\.plugins\[1\]: "slack" is not an available plugin/);
  });
});
