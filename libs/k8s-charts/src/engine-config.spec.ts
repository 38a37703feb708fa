// spec.engines[].pluginConfig reaches the engine: the chart renders it into the engine's
// config.json (the contract the engine parses, engineConfigSchema), a change of it rewrites the
// ConfigMap only (a hot field: no rollout), and what the Tenant schema refuses never renders.
import { describe, expect, it } from 'vitest';
import {
  engineConfigSchema,
  proxyUpstreamConfigSchema,
  validateTenant,
  type TenantSpecInput,
} from '@cw/tenant-model';
import { any, find, mountedConfig, mountedConfigFiles, tenant } from './fixtures.spec-helper.js';
import { renderTenant } from './render.js';

const proxy = {
  url: 'https://mcp.tickets.example/mcp',
  auth: { credential: 'token', description: 'Tickets API token' },
  rules: [
    { pattern: 'get_*', classification: 'read', minRole: 'viewer' },
    { pattern: '*delete*', classification: 'destructive', minRole: 'manager', approval: true },
  ],
  maxResultBytes: 32_768,
} as const;

const engines = (pluginConfig: Record<string, unknown>): Partial<TenantSpecInput> => ({
  engines: [
    { name: 'tickets', plugins: ['proxy'], pluginConfig: pluginConfig as never },
    {
      name: 'mail',
      plugins: ['email', 'github', 'travel', 'payments'],
      pluginConfig: {
        email: {
          smtp: { host: 'smtp.example.com', port: 587, secure: false },
          imap: { host: 'imap.example.com', port: 993 },
        },
        github: { baseUrl: 'https://ghe.example.com/api/v3' },
        travel: { baseUrl: 'https://api.travel.example' },
        payments: { apiBase: 'https://api.stripe.com' },
      },
    },
  ],
});

const configOf = (objects: ReturnType<typeof renderTenant>, engine: string) =>
  mountedConfig(objects, `engine-${engine}`);

describe('engine config: pluginConfig from the Tenant', () => {
  it("renders each engine's pluginConfig into config.json, which parses unchanged with the engine contract", () => {
    const objects = renderTenant(tenant('acme', { plan: 'team', seats: 20, ...engines({ proxy }) }));
    const tickets = configOf(objects, 'tickets');
    const parsed = engineConfigSchema.parse(tickets);
    expect(parsed).toEqual(tickets);
    // Admission filled the proxy's defaults; the engine's proxy kind parses the same block.
    expect(parsed.pluginConfig).toEqual({
      proxy: {
        ...proxy,
        defaultMinRole: 'developer',
        timeoutMs: 20_000,
        outboundHosts: [],
        rules: proxy.rules,
      },
    });
    expect(proxyUpstreamConfigSchema.parse(parsed.pluginConfig.proxy)).toEqual(parsed.pluginConfig.proxy);
    const mail = engineConfigSchema.parse(configOf(objects, 'mail'));
    expect(mail.pluginConfig).toEqual({
      email: {
        smtp: { host: 'smtp.example.com', port: 587, secure: false },
        imap: { host: 'imap.example.com', port: 993, secure: true },
      },
      github: { baseUrl: 'https://ghe.example.com/api/v3' },
      travel: { baseUrl: 'https://api.travel.example' },
      payments: { apiBase: 'https://api.stripe.com' },
    });
    // No secret in the ConfigMap: the credential is named, its value stays in the vault.
    expect(JSON.stringify(tickets)).toContain('"credential":"token"');
  });

  it('renders an empty pluginConfig for an engine without one', () => {
    const config = engineConfigSchema.parse(configOf(renderTenant(tenant('acme')), 'main'));
    expect(config.pluginConfig).toEqual({});
  });

  it('a changed pluginConfig changes the ConfigMap, not the pod template (the engine hot-reloads it)', () => {
    const render = (maxResultBytes: number) =>
      renderTenant(
        tenant('acme', { plan: 'team', seats: 20, ...engines({ proxy: { ...proxy, maxResultBytes } }) }),
      );
    const [a, b] = [render(32_768), render(65_536)];
    const cm = (o: typeof a) => mountedConfigFiles(o, 'engine-tickets')['config.json'];
    const template = (o: typeof a) => any(find(o, 'Deployment', 'engine-tickets')).spec.template;
    expect(cm(a)).not.toEqual(cm(b));
    expect(template(a)).toEqual(template(b));
    expect(template(a).metadata.annotations['platform.contextweaver.io/config-hash']).toBeTruthy();
  });

  it('the Tenant refuses what would render a bad or secret-bearing config, naming the field', () => {
    const issues = (pluginConfig: Record<string, unknown>) => {
      const t = tenant('acme');
      const r = validateTenant({
        ...t,
        spec: { ...t.spec, engines: [{ name: 'x', plugins: ['proxy'], pluginConfig }] },
      });
      return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`);
    };
    expect(issues({ proxy, github: { baseUrl: 'https://api.github.com' } })).toEqual([
      'spec.engines[0].pluginConfig.github: configures plugin "github", which is not in this engine\'s plugins',
    ]);
    expect(issues({ proxy: { ...proxy, auth: { credential: 'token', token: 'abc123' } } })).toEqual([
      expect.stringMatching(/^spec\.engines\[0\]\.pluginConfig\.proxy\.auth\.token: looks like a secret/),
    ]);
    expect(issues({ proxy: { ...proxy, rules: [{ pattern: 'x', classification: 'maybe' }] } })).toEqual([
      expect.stringMatching(/^spec\.engines\[0\]\.pluginConfig\.proxy\.rules\[0\]\.classification: /),
    ]);
    expect(issues({ proxy: { url: 'https://mcp.example/mcp', upstreamKey: 'x' } })).toEqual([
      'spec.engines[0].pluginConfig.proxy.upstreamKey: unknown field',
    ]);
    // None of it reaches a manifest: the operator renders only Tenants that validate.
    const values = issues({ proxy: { url: 'https://user:hunter2@mcp.example/mcp' } }).join(' ');
    expect(values).toMatch(/pluginConfig\.proxy\.url: is a URL with a password/);
    expect(values).not.toContain('hunter2');
  });
});
