import { describe, expect, it } from 'vitest';
import { any, find, mountedConfig, mountedConfigFiles, synth } from '../fixtures.spec-helper.js';
import { addObject } from './api.js';
import { tenantConfigMapManifest } from './workload.js';
import { engineConfigSchema, type EngineConfig } from '@cw/tenant-model';
import { McpEngine, type McpEngineProps } from './mcp-engine.construct.js';

const config: EngineConfig = engineConfigSchema.parse({
  tenant: 'acme',
  engine: 'github',
  plugins: ['github', 'payments'],
  readOnly: true,
  maintenance: false,
  auditLog: true,
  ports: { dashboard: 5000, mcp: 5001 },
  auth: {
    issuer: 'https://acme.example.com',
    jwksUrl: 'http://cerebro.tenant-acme.svc:5080/.well-known/jwks.json',
    resource: 'http://engine-github.tenant-acme.svc:5001/mcp',
  },
  store: { kind: 'memory' },
  vault: { kind: 'memory' },
  saltFile: '/var/run/secrets/contextweaver/engine-audit-salt',
  allowedHosts: ['engine-github', 'engine-github.tenant-acme.svc'],
});
const props: McpEngineProps = {
  slug: 'acme',
  namespace: 'tenant-acme',
  engine: 'github',
  image: 'registry.contextweaver.io/mcp-engine:0.1.0',
  replicas: 1,
  config,
  pdbApiVersion: 'policy/v1',
};
const render = (p: Partial<McpEngineProps> = {}) =>
  synth((c) => new McpEngine(c, 'engine', { ...props, ...p }));
/** The objects plus the engine's config file, in the one ConfigMap the tenant chart adds. */
const renderWithConfigMap = (p: Partial<McpEngineProps> = {}) =>
  synth((c) => {
    const engine = new McpEngine(c, 'engine', { ...props, ...p });
    addObject(c, 'config', tenantConfigMapManifest('acme', 'tenant-acme', [engine.configFile]));
  });

describe('McpEngine', () => {
  it('renders its defaults (snapshot)', () => {
    expect(render()).toMatchSnapshot();
  });

  it('is a Deployment engine-<name> running as mcp-engine with hardened pods', () => {
    const d = any(find(render(), 'Deployment', 'engine-github'));
    expect(d.spec.replicas).toBe(1);
    const pod = d.spec.template.spec;
    expect(pod.serviceAccountName).toBe('mcp-engine');
    expect(pod.containers[0].securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });
    expect(pod.containers[0].ports.map((p: { containerPort: number }) => p.containerPort)).toEqual([
      5000, 5001,
    ]);
    expect(pod.containers[0].readinessProbe.httpGet.port).toBe('http-dashboard');
  });

  it('has a PodDisruptionBudget over its own pods from two replicas on, never blocking a drain (maxUnavailable 1)', () => {
    for (const apiVersion of ['policy/v1', 'policy/v1beta1'] as const) {
      const pdb = any(
        find(render({ pdbApiVersion: apiVersion, replicas: 2 }), 'PodDisruptionBudget', 'engine-github'),
      );
      expect(pdb.apiVersion).toBe(apiVersion);
      expect(pdb.spec).toEqual({
        maxUnavailable: 1,
        selector: { matchLabels: { 'app.kubernetes.io/name': 'engine-github' } },
      });
    }
    const d = any(find(render({ replicas: 2 }), 'Deployment', 'engine-github'));
    expect(d.spec.template.metadata.labels).toMatchObject({ 'app.kubernetes.io/name': 'engine-github' });
  });

  it('has no PodDisruptionBudget below two replicas (one pod: it would guard nothing; zero: suspended)', () => {
    for (const replicas of [0, 1]) {
      const kinds = render({ replicas }).map((o) => o.kind);
      expect(kinds).not.toContain('PodDisruptionBudget');
      expect(kinds).toContain('Deployment');
    }
  });

  it('serves the dashboard on 5000 and MCP on 5001', () => {
    const svc = any(find(render(), 'Service', 'engine-github'));
    expect(svc.spec.ports.map((p: { name: string; port: number }) => [p.name, p.port])).toEqual([
      ['http-dashboard', 5000],
      ['http-mcp', 5001],
    ]);
    expect(svc.spec.selector).toEqual({ 'app.kubernetes.io/name': 'engine-github' });
  });

  it('mounts exactly the engine config file the engine parses (plugins, switches, auth, store)', () => {
    const objects = renderWithConfigMap({ config: { ...config, maintenance: true } });
    // Its own key of the tenant's ConfigMap, projected as config.json and nothing else.
    expect(any(find(objects, 'ConfigMap', 'tenant-config')).data).toHaveProperty(['engine-github.json']);
    expect(Object.keys(mountedConfigFiles(objects, 'engine-github'))).toEqual(['config.json']);
    const mounted = mountedConfig(objects, 'engine-github') as EngineConfig;
    expect(engineConfigSchema.parse(mounted)).toEqual(mounted);
    expect(mounted).toMatchObject({
      engine: 'github',
      plugins: ['github', 'payments'],
      readOnly: true,
      maintenance: true,
      auditLog: true,
      auth: { resource: 'http://engine-github.tenant-acme.svc:5001/mcp' },
    });
  });

  it('rolls its pods only for changes the engine cannot apply live', () => {
    const hash = (c: EngineConfig) =>
      any(find(render({ config: c }), 'Deployment', 'engine-github')).spec.template.metadata.annotations[
        'platform.contextweaver.io/config-hash'
      ];
    const base = hash(config);
    expect(hash({ ...config, maintenance: true, readOnly: false, plugins: ['payments'] })).toBe(base);
    expect(hash({ ...config, auth: { ...config.auth, issuer: 'https://other.example.com' } })).not.toBe(base);
  });
});
