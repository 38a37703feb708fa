// The proxy kind's life in a running engine: an upstream it cannot list yet (no org-level
// credential) leaves it unavailable with the reason on the dashboard and is retried until it
// works; a bad pluginConfig.proxy names the field; disabling it refuses its tools.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { eventually } from '@cw/testing/processes';
import { startUpstreamMcpServer, type UpstreamMcpTestServer } from '@cw/testing/mcp';
import { USERS, startHarness, textOf, type Harness } from './support/harness.js';

describe('proxy kind availability in the engine', () => {
  let upstream: UpstreamMcpTestServer;
  let h: Harness;
  const proxy = () => ({
    url: upstream.url,
    auth: { credential: 'token' },
    rules: [{ pattern: 'get_*', classification: 'read', minRole: 'viewer' }],
  });

  beforeAll(async () => {
    upstream = await startUpstreamMcpServer({
      tokens: { 'tok-org': 'org' },
      tools: [{ name: 'get_ticket', description: 'Reads a ticket', input: z.object({ id: z.string() }) }],
    });
    h = await startHarness({
      config: {
        plugins: ['payments', 'proxy'],
        pluginConfig: { proxy: proxy() },
        outbound: { allowHosts: [new URL(upstream.url).host] },
      },
      proxyRetryMs: 200,
    });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await upstream?.close();
  });

  const call = async (name: string, args: Record<string, unknown> = {}) => {
    const client = await h.connect(USERS.viewer);
    try {
      return await client.callTool({ name, arguments: args });
    } finally {
      await client.close();
    }
  };
  const status = async () =>
    (await (await fetch(`${h.engine.dashboardUrl}/api/status`)).json()) as {
      missingPlugins: string[];
      proxy: { state: string; reason?: string };
    };

  it('without an org-level credential the proxy is unavailable (reason on the dashboard), then retried once it is set', async () => {
    expect(h.engine.proxy.state).toEqual({
      state: 'unavailable',
      reason: expect.stringMatching(/no org-level "token" credential for the proxy plugin/),
    });
    const s = await status();
    expect(s.missingPlugins).toEqual(['proxy']);
    expect(s.proxy.reason).toMatch(/no org-level "token" credential/);
    expect(textOf(await call('proxy.get_ticket', { id: 'T-1' }))).toMatch(/^refused: unknown-tool/);
    const page = await (await fetch(h.engine.dashboardUrl)).text();
    expect(page).toContain('Proxy: the upstream MCP server could not be listed');

    await h.vault.put({ plugin: 'proxy', name: 'token', scope: { level: 'org' } }, 'tok-org', 'admin');
    await eventually(async () => h.engine.proxy.state.state === 'ready', 'the proxy to be retried', 10_000);
    expect((await status()).missingPlugins).toEqual([]);
    const r = await call('proxy.get_ticket', { id: 'T-1' });
    expect(r.isError).toBe(false);
    expect(upstream.calls.at(-1)).toMatchObject({ tool: 'get_ticket', principal: 'org' });
  });

  it('a bad pluginConfig.proxy is reported by field; the proxy built before keeps checking its pins', async () => {
    h.reconfigure({
      pluginConfig: { proxy: { ...proxy(), rules: [{ pattern: 'x', classification: 'maybe' }] } },
    });
    await h.engine.proxy.apply(h.config());
    expect(h.engine.proxy.state).toEqual({
      state: 'unavailable',
      reason: expect.stringMatching(/^proxy config: rules\.0\.classification:/),
    });
    expect((await call('proxy.get_ticket', { id: 'T-2' })).isError).toBe(false);
    h.reconfigure({ pluginConfig: { proxy: proxy() } });
    await h.engine.proxy.apply(h.config());
    expect(h.engine.proxy.state).toMatchObject({ state: 'ready' });
  });

  it('a proxy removed from the plugins list refuses its tools as plugin-disabled', async () => {
    h.reconfigure({ plugins: ['payments'] });
    try {
      expect(textOf(await call('proxy.get_ticket', { id: 'T-3' }))).toMatch(/^refused: plugin-disabled/);
    } finally {
      h.reconfigure({ plugins: ['payments', 'proxy'] });
    }
  });
});
