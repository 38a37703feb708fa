/**
 * The kube-local kubelet's readings of a tenant's objects, on what `cw render` makes of the local
 * example: which image is which app, and which in-cluster addresses a Service routes to which
 * Deployment port (and that a broken one is not).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ROOT } from '@cw/testing/processes';
import { appOfImage, inClusterUrls, serviceRoutes, type KubeObject } from './support/kube-data-plane.js';

let objects: KubeObject[] = [];

beforeAll(async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['tools/cli/bin/cw.js', 'render', 'tenants/examples/local.yaml'],
    { cwd: ROOT },
  );
  objects = parseAllDocuments(stdout)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => Boolean(o?.kind));
}, 120_000);

const configs = (objs: readonly KubeObject[]) =>
  objs
    .filter((o) => o.kind === 'ConfigMap')
    .flatMap((c) => Object.values(c.data ?? {}))
    .filter((t) => t.trim().startsWith('{'))
    .map((t) => JSON.parse(t) as unknown);

describe('kube-data-plane readings', () => {
  it('maps image references to the app whose Dockerfile builds them', () => {
    expect(appOfImage('registry.contextweaver.io/cerebro:0.1.0')).toBe('cerebro');
    expect(appOfImage('localhost:5000/team/mcp-engine@sha256:abc')).toBe('mcp-engine');
    expect(() => appOfImage('registry.example/nginx:1')).toThrow(/no apps\/nginx\/Dockerfile/);
  });

  it('routes every in-cluster address of the configs to a Deployment port through its Service', () => {
    const routes = serviceRoutes(objects);
    const services = objects.filter((o) => o.kind === 'Service').map((s) => s.metadata.name);
    const addresses = configs(objects).flatMap((c) => inClusterUrls(c, services));
    expect(addresses).toEqual(
      expect.arrayContaining([
        'http://engine-main.tenant-initech.svc:5001/mcp',
        'http://cerebro.tenant-initech.svc:5080/.well-known/jwks.json',
      ]),
    );
    expect(addresses.map((a) => routes.get(new URL(a).host))).not.toContain(undefined);
    expect(routes.get('engine-main.tenant-initech.svc:5001')).toEqual({
      deployment: 'engine-main',
      port: 5001,
    });
    expect(routes.get('cerebro:5080')).toEqual({ deployment: 'cerebro', port: 5080 });
  });

  it('does not route a Service whose targetPort names no container port, or whose selector picks nothing', () => {
    const broken = objects.map((o) =>
      o.kind === 'Service' && o.metadata.name === 'engine-main'
        ? { ...o, spec: { ...o.spec, ports: o.spec!.ports!.map((p) => ({ ...p, targetPort: 'http-nope' })) } }
        : o.kind === 'Service' && o.metadata.name === 'cerebro'
          ? { ...o, spec: { ...o.spec, selector: { 'app.kubernetes.io/name': 'nobody' } } }
          : o,
    );
    const routes = serviceRoutes(broken);
    expect(routes.has('engine-main.tenant-initech.svc:5001')).toBe(false);
    expect(routes.has('cerebro.tenant-initech.svc:5080')).toBe(false);
  });
});
