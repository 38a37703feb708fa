import { describe, expect, it } from 'vitest';
import { sampleTenant } from '../fixtures.js';
import { validateTenant } from '../validate.js';
import { proxyUpstreamConfigSchema, secretLookingValues } from './plugin-config.js';

const withEngine = (engine: Record<string, unknown>) => {
  const t = sampleTenant();
  return validateTenant({
    ...t,
    spec: { ...(t.spec as Record<string, unknown>), engines: [{ name: 'tools', ...engine }] },
  });
};
const problems = (engine: Record<string, unknown>) => {
  const r = withEngine(engine);
  return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`);
};

describe('spec.engines[].pluginConfig', () => {
  it('admits the typed config of each listed plugin and fills its defaults', () => {
    const r = withEngine({
      plugins: ['proxy', 'email', 'github'],
      pluginConfig: {
        proxy: { url: 'http://mcp.internal.example:8080/mcp', auth: { credential: 'token' } },
        email: {
          smtp: { host: 'smtp.example.com', port: 465 },
          imap: { host: 'imap.example.com', port: 993 },
        },
        github: {},
      },
    });
    expect(r.ok && r.value.spec.engines[0]!.pluginConfig).toEqual({
      proxy: {
        url: 'http://mcp.internal.example:8080/mcp',
        auth: { credential: 'token' },
        rules: [],
        defaultMinRole: 'developer',
        maxResultBytes: 65_536,
        timeoutMs: 20_000,
        outboundHosts: [],
      },
      email: {
        smtp: { host: 'smtp.example.com', port: 465, secure: true },
        imap: { host: 'imap.example.com', port: 993, secure: true },
      },
      github: {},
    });
  });

  it('refuses config of a plugin the engine does not load, and ids no plugin has', () => {
    expect(
      problems({ plugins: ['github'], pluginConfig: { travel: { baseUrl: 'https://t.example' } } }),
    ).toEqual([
      'spec.engines[0].pluginConfig.travel: configures plugin "travel", which is not in this engine\'s plugins',
    ]);
    expect(problems({ plugins: ['github'], pluginConfig: { jira: {} } })).toEqual([
      'spec.engines[0].pluginConfig.jira: unknown field',
    ]);
  });

  it('checks each field strictly, naming it', () => {
    expect(
      problems({
        plugins: ['proxy', 'email'],
        pluginConfig: {
          proxy: {
            url: 'file:///etc/passwd',
            timeoutMs: 10,
            rules: [{ pattern: '', classification: 'read' }],
          },
          email: { smtp: { host: 'smtp.example.com', port: 70_000 } },
        },
      }),
    ).toEqual([
      'spec.engines[0].pluginConfig.email.smtp.port: must be at most 65535 (got number 70000)',
      'spec.engines[0].pluginConfig.email.imap: is required',
      'spec.engines[0].pluginConfig.proxy.url: "file:///etc/passwd" must be an http(s) URL',
      'spec.engines[0].pluginConfig.proxy.rules[0].pattern: must not be empty',
      'spec.engines[0].pluginConfig.proxy.timeoutMs: must be at least 100 (got number 10)',
    ]);
    expect(
      problems({
        plugins: ['proxy'],
        pluginConfig: { proxy: { url: 'https://x.example', auth: { credential: 'Bearer abc' } } },
      }),
    ).toEqual([
      'spec.engines[0].pluginConfig.proxy.auth.credential: "Bearer abc" must be a credential name (lowercase letters, digits, _ -), not its value',
    ]);
  });

  it('requires the upstream of an engine that loads the proxy plugin', () => {
    expect(problems({ plugins: ['proxy'] })).toEqual([
      'spec.engines[0].pluginConfig.proxy: is required when the engine loads the proxy plugin (the upstream MCP server: url, auth.credential, rules)',
    ]);
  });

  it('refuses secret-looking values, naming the field and never echoing the value', () => {
    const found = problems({
      plugins: ['proxy', 'github', 'payments'],
      pluginConfig: {
        proxy: {
          url: 'https://bot:s3cr3t-pass@mcp.example/mcp',
          auth: { credential: 'token', apiKey: 'k-123' },
        },
        github: { baseUrl: 'https://ghe.example/api/v3', token: 'ghp_abcdefghijklmnopqrstuvwxyz0123456789' },
        payments: { apiBase: 'sk_test_51Habcdef' },
      },
    });
    expect(found).toEqual([
      'spec.engines[0].pluginConfig.proxy.url: is a URL with a password: secrets belong in the vault, not in pluginConfig',
      'spec.engines[0].pluginConfig.proxy.auth.apiKey: looks like a secret: put it in the vault as a credential of the plugin and name that credential here',
      'spec.engines[0].pluginConfig.github.token: looks like a secret: put it in the vault as a credential of the plugin and name that credential here',
      'spec.engines[0].pluginConfig.payments.apiBase: looks like a key or token: secrets belong in the vault, not in pluginConfig',
    ]);
    expect(found.join(' ')).not.toMatch(/s3cr3t|k-123|ghp_|sk_test/);
  });

  it('secretLookingValues: names are not secrets, shapes and secret-named keys are', () => {
    expect(
      secretLookingValues({ auth: { credential: 'token' }, tokenLimit: 5, description: 'uses a token' }),
    ).toEqual([]);
    expect(secretLookingValues({ password: '' })).toEqual([]);
    expect(secretLookingValues({ a: [{ client_secret: 'x' }] }).map((f) => f.path)).toEqual([
      ['a', 0, 'client_secret'],
    ]);
    expect(secretLookingValues({ k: '-----BEGIN RSA PRIVATE KEY-----\nMII' }).map((f) => f.path)).toEqual([
      ['k'],
    ]);
    expect(secretLookingValues({ k: 'AKIAABCDEFGHIJKLMNOP' }).map((f) => f.path)).toEqual([['k']]);
  });

  it("the proxy schema is the plugin's: strict (typos are errors, not ignored)", () => {
    expect(proxyUpstreamConfigSchema.safeParse({ url: 'https://x.example', rule: [] }).success).toBe(false);
  });
});
