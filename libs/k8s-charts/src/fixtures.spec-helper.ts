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
