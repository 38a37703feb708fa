/**
 * Properties that must hold for every tenant, whatever its spec: no policy admits another
 * tenant's namespace, and no pod carries a literal secret.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { parseTenant, type Tenant } from '@cw/tenant-model';
import { PRIVATE_RANGES } from './endpoints.js';
import { any, mountedConfigFiles, tenant } from './fixtures.spec-helper.js';
import type { KubeObject } from './kube-object.js';
import { NAMESPACE_NAME_LABEL } from './constructs/network-isolation.construct.js';
import { renderTenant } from './render.js';

const examplesDir = fileURLToPath(new URL('../../../tenants/examples/', import.meta.url));
const tenants: Tenant[] = [
  ...readdirSync(examplesDir).map((f) => parseTenant(parse(readFileSync(`${examplesDir}${f}`, 'utf8')))),
  tenant('acme'),
  tenant('bravo', { routing: { mode: 'ingress' }, suspended: true }),
  tenant('charlie', {
    bindings: {
      database: { endpoint: 'postgres://pg.platform-data.svc.cluster.local:5432', name: 'charlie' },
      llm: { endpoint: 'https://llm.example.com' },
      vault: { kind: 'kubernetes', uri: 'charlie-vault' },
    },
    identity: {
      issuer: 'https://idp.example.com',
      clientId: 'cid',
      clientSecretRef: { key: 'oidc-client-secret' },
    },
  }),
];
const rendered = tenants.map((t) => ({ t, objects: renderTenant(t) }));
const own = (t: Tenant) => `tenant-${t.metadata.name}`;

interface Peer {
  namespaceSelector?: { matchLabels: Record<string, string> };
  podSelector?: unknown;
  ipBlock?: { cidr: string; except?: string[] };
}
interface Rule {
  from?: Peer[];
  to?: Peer[];
}

/** Every peer of a NetworkPolicy, in both directions. */
function peers(np: KubeObject): Peer[] {
  const spec = any(np).spec as { ingress?: Rule[]; egress?: Rule[] };
  return [
    ...(spec.ingress ?? []).flatMap((r) => r.from ?? []),
    ...(spec.egress ?? []).flatMap((r) => r.to ?? []),
  ];
}

describe('tenant isolation', () => {
  it.each(rendered.map((r) => [r.t.metadata.name, r] as const))(
    "no NetworkPolicy of %s admits another tenant's namespace",
    (_name, { t, objects }) => {
      const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
      expect(policies.length).toBeGreaterThan(0);
      for (const np of policies) {
        expect(np.metadata.namespace).toBe(own(t));
        for (const peer of peers(np)) {
          if (peer.namespaceSelector) {
            // Only exact namespace names, never a selector that could match tenants.
            expect(Object.keys(peer.namespaceSelector)).toEqual(['matchLabels']);
            expect(Object.keys(peer.namespaceSelector.matchLabels)).toEqual([NAMESPACE_NAME_LABEL]);
            const ns = peer.namespaceSelector.matchLabels[NAMESPACE_NAME_LABEL]!;
            expect(ns.startsWith('tenant-') && ns !== own(t), `${np.metadata.name} admits ${ns}`).toBe(false);
          } else if (peer.ipBlock) {
            // Broad ranges must keep the pod and service networks out.
            if (!/\/(32|128)$/.test(peer.ipBlock.cidr))
              expect(peer.ipBlock.except).toEqual(expect.arrayContaining([...PRIVATE_RANGES]));
          } else {
            expect(Object.keys(peer)).toEqual(['podSelector']); // own namespace only
          }
        }
      }
    },
  );

  it.each(rendered.map((r) => [r.t.metadata.name, r] as const))(
    "no AuthorizationPolicy of %s admits another tenant's principals",
    (_name, { t, objects }) => {
      for (const ap of objects.filter((o) => o.kind === 'AuthorizationPolicy')) {
        for (const rule of any(ap).spec.rules) {
          for (const from of rule.from) {
            expect(from.source.namespaces ?? []).toEqual([]);
            for (const principal of from.source.principals) {
              const ns = /\/ns\/([^/]+)\/sa\//.exec(principal)?.[1];
              expect(ns, principal).toBeDefined();
              expect(ns!.startsWith('tenant-') && ns !== own(t), principal).toBe(false);
            }
          }
        }
      }
    },
  );

  it.each(rendered.map((r) => [r.t.metadata.name, r] as const))(
    'no pod spec of %s contains a literal secret value',
    (_name, { objects }) => {
      expect(objects.some((o) => o.kind === 'Secret')).toBe(false);
      for (const d of objects.filter((o) => o.kind === 'Deployment')) {
        const pod = any(d).spec.template.spec;
        for (const c of pod.containers) {
          for (const e of c.env ?? []) {
            expect(e.valueFrom?.secretKeyRef, `${d.metadata.name} ${e.name}`).toBeUndefined();
            if (/SECRET|PASSWORD|TOKEN|KEY|CREDENTIAL/i.test(e.name)) expect(e.name).toMatch(/_(FILE|DIR)$/);
          }
          expect((c.envFrom ?? []).filter((f: { secretRef?: unknown }) => f.secretRef)).toEqual([]);
        }
        for (const v of pod.volumes) expect(Object.keys(v).sort()).toEqual(expect.arrayContaining(['name']));
        // cerebro mounts its own secrets (signing keys, first managers); the engines only theirs.
        const own = d.metadata.name === 'cerebro' ? 'cerebro-vault' : 'tenant-vault';
        for (const v of pod.volumes.filter((x: { secret?: unknown }) => x.secret))
          expect(v.secret.secretName).toBe(own);
      }
      // Secret-bearing config points at files; never a literal — in every file of every ConfigMap.
      const configMaps = objects.filter((o) => o.kind === 'ConfigMap');
      expect(configMaps.map((o) => o.metadata.name)).toEqual(['tenant-config']);
      for (const cm of configMaps) {
        for (const [key, json] of Object.entries(any(cm).data as Record<string, string>)) {
          const text = JSON.stringify(JSON.parse(json));
          expect(text, key).not.toMatch(/"(clientSecret|password|token|sessionKey)"\s*:/i);
        }
      }
      // The ConfigMap is shared, the files are not: each workload's pods get exactly one file,
      // config.json, and it is their own (cerebro never sees an engine's config, nor one engine another's).
      for (const d of objects.filter((o) => o.kind === 'Deployment')) {
        const files = mountedConfigFiles(objects, d.metadata.name);
        expect(Object.keys(files), d.metadata.name).toEqual(['config.json']);
        expect(files['config.json']).toBe(any(configMaps[0]).data[`${d.metadata.name}.json`]);
      }
    },
  );
});
