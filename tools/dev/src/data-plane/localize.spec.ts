import { describe, expect, it } from 'vitest';
import { localize } from './localize.js';
import type { RenderedWorkload } from './rendered-workloads.js';

const cerebro: RenderedWorkload = {
  deployment: 'cerebro',
  app: 'cerebro',
  env: { CW_TENANT: 'initech', CW_PORT: '5080' },
  configMountPath: '/etc/contextweaver',
  config: {
    tenant: 'initech',
    url: 'https://initech.example',
    session: {},
    engines: [],
    bootstrapManagers: [],
  },
  emptyDirs: ['/tmp', '/var/lib/contextweaver'],
  ports: { http: 5080 },
  probes: [{ kind: 'readiness', path: '/readyz', port: 5080 }],
  readOnlyRootFilesystem: true,
  replicas: 1,
};
const run = (env: Record<string, string | undefined>) =>
  localize({
    slug: 'initech',
    workloads: [cerebro],
    dir: '/tmp/dp/initech',
    ports: { cerebro: 41000, engines: {} },
    publicUrl: 'http://initech.localtest.me:3080',
    env,
  }).workloads[0]!.config;

describe('localize: the workspace managers', () => {
  it('CW_WORKSPACE_MANAGERS names the first managers (lower-cased), so the customer admin can sign in', () => {
    expect(
      run({ CW_WORKSPACE_MANAGERS: ' Admin@Initech.test, ops@initech.test ' }).bootstrapManagers,
    ).toEqual(['admin@initech.test', 'ops@initech.test']);
  });
  it('the tenant vault names the customer admin; CW_WORKSPACE_MANAGERS adds to it', () => {
    const config = localize({
      slug: 'initech',
      workloads: [cerebro],
      dir: '/tmp/dp/initech',
      ports: { cerebro: 41000, engines: {} },
      publicUrl: 'http://initech.localtest.me:3080',
      firstManagers: ['Boss@Initech.test'],
      env: { CW_WORKSPACE_MANAGERS: 'ops@initech.test,boss@initech.test' },
    }).workloads[0]!.config;
    expect(config.bootstrapManagers).toEqual(['boss@initech.test', 'ops@initech.test']);
  });
  it('a rendered bootstrapManagersFile is dropped: the runner reads cerebro-first-managers itself', () => {
    const config = localize({
      slug: 'initech',
      workloads: [
        {
          ...cerebro,
          config: {
            ...cerebro.config,
            bootstrapManagersFile: '/var/run/secrets/contextweaver/cerebro-first-managers',
          },
        },
      ],
      dir: '/tmp/dp/initech',
      ports: { cerebro: 41000, engines: {} },
      publicUrl: 'http://initech.localtest.me:3080',
      firstManagers: ['boss@initech.test'],
      env: {},
    }).workloads[0]!.config;
    expect(config.bootstrapManagersFile).toBeUndefined();
    expect(config.bootstrapManagers).toEqual(['boss@initech.test']);
  });
  it('without it the rendered (empty) list stays', () => {
    expect(run({}).bootstrapManagers).toEqual([]);
  });
});

describe('localize: the local Stripe stand-in', () => {
  const engine: RenderedWorkload = {
    deployment: 'engine-main',
    app: 'mcp-engine',
    env: { CW_TENANT: 'initech' },
    configMountPath: '/etc/contextweaver',
    config: {
      tenant: 'initech',
      engine: 'main',
      plugins: ['payments'],
      pluginConfig: {},
      auth: { issuer: 'https://initech.example', jwksUrl: 'http://x', resource: 'http://y' },
      outbound: { allowHosts: [] },
    },
    emptyDirs: ['/tmp'],
    ports: { 'http-mcp': 5001, http: 5000 },
    probes: [],
    readOnlyRootFilesystem: true,
    replicas: 1,
  };
  const localized = (env: Record<string, string>) =>
    localize({
      slug: 'initech',
      workloads: [cerebro, engine],
      dir: '/tmp/dp/initech',
      ports: { cerebro: 41000, engines: { main: { dashboard: 41001, mcp: 41002 } } },
      publicUrl: 'http://initech.localtest.me:3080',
      env,
    }).workloads;
  it('the payments plugin calls it, excepted from the outbound guard; cerebro signs with the mounted keys', () => {
    const [c, e] = localized({ STRIPE_API_BASE: 'http://127.0.0.1:45815' });
    expect(e!.config.pluginConfig).toEqual({ payments: { apiBase: 'http://127.0.0.1:45815' } });
    expect(e!.config.outbound).toEqual({ allowHosts: ['127.0.0.1:45815'] });
    expect(c!.config.engineTokens).toEqual({ signingKeysDir: '/tmp/dp/initech/secrets' });
  });
  it('a remote STRIPE_API_BASE is left to the rendered config', () => {
    const [, e] = localized({ STRIPE_API_BASE: 'https://stripe-proxy.example' });
    expect(e!.config.pluginConfig).toEqual({});
  });
});

describe('localize: knowledge', () => {
  it("a cloud search service becomes pgvector on PGlite in cerebro's folder (Azure AI Search is out of reach)", () => {
    const config = localize({
      slug: 'initech',
      workloads: [
        {
          ...cerebro,
          config: {
            ...cerebro.config,
            knowledge: {
              search: { kind: 'azure-ai-search', endpoint: 'https://x.search.windows.net', indexName: 'i' },
              embedder: { kind: 'local-lexical', dimensions: 64 },
            },
          },
        },
      ],
      dir: '/tmp/dp/initech',
      ports: { cerebro: 41000, engines: {} },
      publicUrl: 'http://initech.localtest.me:3080',
      env: {},
    }).workloads[0]!.config;
    expect(config.knowledge).toEqual({
      search: {
        kind: 'pgvector',
        connection: { driver: 'pglite', dataDir: '/tmp/dp/initech/cerebro/knowledge' },
      },
      embedder: { kind: 'local-lexical', dimensions: 64 },
    });
  });
});

describe('localize: the shared store', () => {
  const storeOf = (storeSchemaPrefix?: string) =>
    localize({
      slug: 'acme-corp',
      workloads: [cerebro],
      dir: '/tmp/dp/acme-corp',
      ports: { cerebro: 41000, engines: {} },
      publicUrl: 'http://acme-corp.localtest.me:3080',
      env: { DATABASE_URL: 'postgres://127.0.0.1/test' },
      ...(storeSchemaPrefix !== undefined && { storeSchemaPrefix }),
    }).workloads[0]!.config.store;
  it('puts each tenant in its own schema, tenant_<slug> by default', () => {
    expect(storeOf()).toMatchObject({ kind: 'postgres', schema: 'tenant_acme_corp' });
  });
  it('storeSchemaPrefix names the schema (tests and benches drop what they created by it)', () => {
    expect(storeOf('dp1a2b3c_')).toMatchObject({ kind: 'postgres', schema: 'dp1a2b3c_acme_corp' });
  });
});
