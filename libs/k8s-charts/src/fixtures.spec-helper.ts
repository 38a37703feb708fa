/** Tenants for the construct specs (not a test itself: *.spec-helper.ts is outside vitest's include). */
import { parseTenant, type Tenant, type TenantSpecInput } from '@cw/tenant-model';
import { Testing, type Chart } from 'cdk8s';
import type { KubeObject } from './kube-object.js';

export function tenant(name = 'acme', spec: Partial<TenantSpecInput> = {}): Tenant {
  return parseTenant({
    apiVersion: 'platform.contextweaver.io/v1alpha1',
    kind: 'Tenant',
    metadata: { name },
    spec: {
      displayName: 'Acme',
      plan: 'starter',
      seats: 5,
      cloud: { provider: 'local', region: 'local' },
      hostname: `${name}.contextweaver.app`,
      engines: [{ name: 'main', plugins: ['github'] }],
      ...spec,
    },
  });
}

/** Synthesizes whatever `build` adds to a fresh chart. */
export function synth(build: (chart: Chart) => void): KubeObject[] {
  const chart = Testing.chart();
  build(chart);
  return Testing.synth(chart) as KubeObject[];
}

export const find = (objects: KubeObject[], kind: string, name?: string): KubeObject => {
  const found = objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (!found)
    throw new Error(
      `no ${kind}${name ? `/${name}` : ''} in ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`,
    );
  return found;
};

/** Loose property access for assertions on plain manifests. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const any = (v: unknown): any => v;

/**
 * Every file the pods of a Deployment get from its configMap volume (path → text), as the kubelet
 * mounts it: the volume's ConfigMap projected through its `items` (key → path), or every key as a
 * file of its own name when there are none.
 */
export function mountedConfigFiles(objects: KubeObject[], deployment: string): Record<string, string> {
  const pod = any(find(objects, 'Deployment', deployment)).spec.template.spec;
  const volumes = pod.volumes as Array<{
    configMap?: { name: string; items?: Array<{ key: string; path: string }> };
  }>;
  const volume = volumes.find((v) => v.configMap)?.configMap;
  if (!volume) return {};
  const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === volume.name);
  const data = (any(configMap)?.data ?? {}) as Record<string, string>;
  return volume.items
    ? Object.fromEntries(volume.items.filter((i) => i.key in data).map((i) => [i.path, data[i.key]!]))
    : data;
}

/** The config.json a Deployment's pods read (CW_CONFIG_FILE), parsed; throws when there is none. */
export function mountedConfig(objects: KubeObject[], deployment: string): unknown {
  const text = mountedConfigFiles(objects, deployment)['config.json'];
  if (text === undefined) throw new Error(`Deployment ${deployment} mounts no config.json`);
  return JSON.parse(text) as unknown;
}
