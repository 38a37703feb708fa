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
  it('without it the rendered (empty) list stays', () => {
    expect(run({}).bootstrapManagers).toEqual([]);
  });
});
