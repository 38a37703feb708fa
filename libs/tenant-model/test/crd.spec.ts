import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { generateTenantCrd, generateTenantCrdYaml } from '../src/crd.js';
import { PLAN_NAMES } from '../src/plans.js';

const checkedIn = fileURLToPath(
  new URL('../../../infra/k8s/crds/tenants.platform.contextweaver.io.yaml', import.meta.url),
);
type Schema = {
  type?: string;
  description?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  [k: string]: unknown;
};

/** Walks every node of an openAPIV3Schema. */
function walk(node: Schema, path: string, visit: (node: Schema, path: string) => void): void {
  visit(node, path);
  for (const [key, child] of Object.entries(node.properties ?? {})) walk(child, `${path}.${key}`, visit);
  if (node.items) walk(node.items, `${path}[]`, visit);
  if (node.additionalProperties && typeof node.additionalProperties === 'object')
    walk(node.additionalProperties as Schema, `${path}{}`, visit);
}

describe('Tenant CRD generator', () => {
  const crd = generateTenantCrd() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- walking a generated document
  const version = crd.spec.versions[0];
  const schema = version.schema.openAPIV3Schema as Schema;

  it('matches the checked-in YAML (run `npx cw crd > infra/k8s/crds/tenants.platform.contextweaver.io.yaml`)', () => {
    expect(readFileSync(checkedIn, 'utf8')).toBe(generateTenantCrdYaml());
  });

  it('leaves spec.routing unset on stored Tenants (the operator applies ROUTING_DEFAULT_MODE), other defaults kept', () => {
    const spec = schema.properties!.spec!;
    const routing = spec.properties!.routing!;
    expect(routing.default).toBeUndefined();
    expect(routing.properties!.mode!.default).toBeUndefined();
    expect(routing.properties!.mode!.enum).toEqual(['gateway', 'ingress']);
    expect(JSON.stringify(spec)).toContain('"default"'); // e.g. isolation, suspended
  });

  it('names the resource as agreed', () => {
    expect(crd.metadata.name).toBe('tenants.platform.contextweaver.io');
    expect(crd.spec.scope).toBe('Cluster');
    expect(crd.spec.names).toMatchObject({ kind: 'Tenant', plural: 'tenants', shortNames: ['tn'] });
    expect(version.name).toBe('v1alpha1');
    expect(version.subresources).toEqual({ status: {} });
  });

  it('has the printer columns kubectl get shows', () => {
    expect(version.additionalPrinterColumns.map((c: { name: string }) => c.name)).toEqual([
      'Plan',
      'Cloud',
      'Phase',
      'Ready',
      'URL',
      'Age',
    ]);
  });

  it('is structural: every node has a type, and no additionalProperties:false or $ref', () => {
    walk(schema, '', (node, path) => {
      expect(node.type, `type at ${path || '<root>'}`).toBeDefined();
      expect(node.additionalProperties, `additionalProperties at ${path}`).not.toBe(false);
      expect(node.$ref, `$ref at ${path}`).toBeUndefined();
      expect(node.anyOf ?? node.oneOf, `anyOf/oneOf at ${path}`).toBeUndefined();
    });
  });

  it('describes every spec field so kubectl explain helps', () => {
    walk(schema.properties!.spec!, 'spec', (node, path) => {
      if (path.endsWith('[]') && node.type !== 'object') return; // scalar list items inherit the list's description
      expect(node.description, `description at ${path}`).toBeTruthy();
    });
  });

  it('carries enums, patterns, defaults and required fields', () => {
    const spec = schema.properties!.spec!;
    expect(spec.properties!.plan!.enum).toEqual([...PLAN_NAMES]);
    expect(spec.required).toEqual(
      expect.arrayContaining(['displayName', 'plan', 'seats', 'cloud', 'hostname']),
    );
    expect(spec.properties!.hostname!.pattern).toBeTruthy();
    expect(spec.properties!.isolation!.default).toBe('shared');
    expect(spec.properties!.engines!['x-kubernetes-list-type']).toBe('map');
    expect(spec.properties!.engines!['x-kubernetes-list-map-keys']).toEqual(['name']);
  });

  it('every pattern is a valid RE2-compatible regular expression (no lookaround, no backreferences)', () => {
    walk(schema, '', (node, path) => {
      if (typeof node.pattern !== 'string') return;
      expect(() => new RegExp(node.pattern as string), path).not.toThrow();
      expect(node.pattern, path).not.toMatch(/\(\?[=!<]|\\[1-9]/);
    });
  });

  it('types spec.engines[].pluginConfig per plugin (no free-form node), defaults and enums included', () => {
    const engine = schema.properties!.spec!.properties!.engines!.items!;
    const pluginConfig = engine.properties!.pluginConfig!;
    expect(pluginConfig.type).toBe('object');
    expect(Object.keys(pluginConfig.properties!).sort()).toEqual([
      'email',
      'github',
      'payments',
      'proxy',
      'travel',
    ]);
    expect(JSON.stringify(schema)).not.toContain('x-kubernetes-preserve-unknown-fields');
    const proxy = pluginConfig.properties!.proxy!;
    expect(proxy.required).toEqual(['url']);
    expect(proxy.properties!.rules!.items!.properties!.classification!.enum).toEqual([
      'read',
      'write',
      'destructive',
    ]);
    expect(proxy.properties!.defaultMinRole!.default).toBe('developer');
    expect(proxy.properties!.auth!.properties!.credential!.pattern).toBeTruthy();
    expect(pluginConfig.properties!.email!.required).toEqual(['smtp', 'imap']);
  });

  it('the YAML parses back to the same object', () => {
    expect(parse(generateTenantCrdYaml())).toEqual(crd);
  });
});
