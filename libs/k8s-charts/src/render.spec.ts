import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import {
  ANNOTATION_CORRELATION_ID,
  ANNOTATION_ONBOARDING_CORRELATION_ID,
  ANNOTATION_ONBOARDING_SINCE,
} from '@cw/tenant-model';
import { ANNOTATION_APPLIED_HASH, contentHash } from './kube-object.js';
import { any, find, tenant } from './fixtures.spec-helper.js';
import { PHASES } from './resources.js';
import {
  renderTenant,
  renderTenantManifest,
  renderTenantPhases,
  TenantRenderError,
  withRoutingDefault,
} from './render.js';

const examplesDir = fileURLToPath(new URL('../../../tenants/examples/', import.meta.url));
const examples = readdirSync(examplesDir).filter((f) => f.endsWith('.yaml'));

describe('renderTenant', () => {
  it('renders the defaults of a minimal local tenant (snapshot)', () => {
    expect(renderTenant(tenant('initech'))).toMatchSnapshot();
  });

  it.each(examples)('renders the example %s', (file) => {
    const result = renderTenantManifest(parse(readFileSync(`${examplesDir}${file}`, 'utf8')));
    expect(result.ok ? [] : result.issues).toEqual([]);
  });

  it('is deterministic and sorted in apply order: namespace first, routes last', () => {
    const a = renderTenant(
      tenant('acme', { plan: 'team', seats: 5, engines: [{ name: 'b' }, { name: 'a' }] }),
    );
    const b = renderTenant(
      tenant('acme', { plan: 'team', seats: 5, engines: [{ name: 'b' }, { name: 'a' }] }),
    );
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(a[0]!.kind).toBe('Namespace');
    expect(a.at(-1)!.kind).toBe('HTTPRoute');
    const deployments = a.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name);
    expect(deployments).toEqual(['cerebro', 'engine-a', 'engine-b']);
  });

  it('renders no empty strings (Kubernetes 1.20 turns "" in a custom resource into null and rejects it)', () => {
    const empties: string[] = [];
    const walk = (v: unknown, path: string): void => {
      if (v === '') empties.push(path);
      else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
    };
    for (const file of examples) {
      const result = renderTenantManifest(parse(readFileSync(`${examplesDir}${file}`, 'utf8')));
      for (const o of result.ok ? result.objects : []) walk(o, `${o.kind}/${o.metadata.name}`);
    }
    expect(empties).toEqual([]);
  });

  it('groups objects by reconcile phase', () => {
    // Two engine replicas: a PodDisruptionBudget is only rendered from two replicas on.
    const phases = renderTenantPhases(
      tenant('acme', { engines: [{ name: 'main', plugins: ['github'], replicas: 2 }] }),
    );
    expect(phases.map((p) => p.phase)).toEqual([...PHASES]);
    const kinds = Object.fromEntries(
      phases.map((p) => [p.phase, [...new Set(p.objects.map((o) => o.kind))]]),
    );
    expect(kinds).toEqual({
      namespace: ['Namespace'],
      identity: ['ServiceAccount'],
      policies: ['NetworkPolicy', 'PeerAuthentication', 'AuthorizationPolicy'],
      quotas: ['ResourceQuota', 'LimitRange'],
      workloads: ['ConfigMap', 'Service', 'Deployment', 'PodDisruptionBudget'],
      routing: ['HTTPRoute'],
    });
  });

  it('renders a PodDisruptionBudget exactly for the workloads with two replicas or more', () => {
    const pdbs = (spec: Parameters<typeof tenant>[1]) =>
      renderTenant(tenant('acme', spec))
        .filter((o) => o.kind === 'PodDisruptionBudget')
        .map((o) => o.metadata.name);
    expect(pdbs({})).toEqual([]); // starter: one cerebro, one engine replica
    expect(pdbs({ plan: 'team', seats: 5, engines: [{ name: 'a' }, { name: 'b', replicas: 3 }] })).toEqual([
      'cerebro',
      'engine-b',
    ]);
    expect(pdbs({ plan: 'team', seats: 5, suspended: true, engines: [{ name: 'b', replicas: 3 }] })).toEqual(
      [],
    );
  });

  it('stamps each object with the hash of its content, which changes only with the content', () => {
    const objects = renderTenant(tenant('acme'));
    for (const o of objects) expect(o.metadata.annotations![ANNOTATION_APPLIED_HASH]).toBe(contentHash(o));
    const again = renderTenant(tenant('acme', { seats: 6 }));
    const changed = again.filter(
      (o, i) =>
        o.metadata.annotations![ANNOTATION_APPLIED_HASH] !==
        objects[i]!.metadata.annotations![ANNOTATION_APPLIED_HASH],
    );
    // seats are part of cerebro's configuration only: its key of the shared ConfigMap changes and
    // cerebro rolls; the engine's file and pod template stay as they were
    expect(changed.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ConfigMap/tenant-config',
      'Deployment/cerebro',
    ]);
    const data = (o: typeof objects) => any(find(o, 'ConfigMap', 'tenant-config')).data;
    expect(data(again)['engine-main.json']).toBe(data(objects)['engine-main.json']);
    expect(data(again)['cerebro.json']).not.toBe(data(objects)['cerebro.json']);
  });

  it('hands the Tenant onboarding annotations to every engine (not cerebro); the correlation annotation of a run rolls nothing', () => {
    const envOf = (objects: ReturnType<typeof renderTenant>, name: string) =>
      Object.fromEntries(
        (
          any(find(objects, 'Deployment', name)).spec.template.spec.containers[0].env as {
            name: string;
            value: string;
          }[]
        ).map((e) => [e.name, e.value]),
      );
    const annotated = (annotations: Record<string, string>) => {
      const t = tenant('acme', { plan: 'team', seats: 5, engines: [{ name: 'a' }, { name: 'b' }] });
      return renderTenant({ ...t, metadata: { ...t.metadata, annotations } });
    };
    const onboarding = {
      [ANNOTATION_ONBOARDING_CORRELATION_ID]: 'corr-checkout-1',
      [ANNOTATION_ONBOARDING_SINCE]: '2026-12-07T10:00:00.000Z',
    };
    const first = annotated({ ...onboarding, [ANNOTATION_CORRELATION_ID]: 'corr-checkout-1' });
    for (const engine of ['engine-a', 'engine-b'])
      expect(envOf(first, engine)).toMatchObject({
        CW_ONBOARDING_CORRELATION_ID: 'corr-checkout-1',
        CW_ONBOARDING_SINCE: '2026-12-07T10:00:00.000Z',
      });
    expect(Object.keys(envOf(first, 'cerebro')).filter((k) => k.startsWith('CW_ONBOARDING'))).toEqual([]);
    // A later run (its own correlation id) renders the same objects: no pod rolls.
    expect(annotated({ ...onboarding, [ANNOTATION_CORRELATION_ID]: 'corr-plugins-2' })).toEqual(first);
    // None, half of one, or a time the engine would refuse: no onboarding env at all.
    for (const annotations of <Record<string, string>[]>[
      {},
      { [ANNOTATION_ONBOARDING_CORRELATION_ID]: 'corr-checkout-1' },
      { ...onboarding, [ANNOTATION_ONBOARDING_SINCE]: 'yesterday' },
    ])
      expect(
        Object.keys(envOf(annotated(annotations), 'engine-a')).filter((k) => k.startsWith('CW_ONBOARDING')),
      ).toEqual([]);
  });

  it('renders one ConfigMap whose keys are the workload config files; an engine change touches only its key', () => {
    const render = (readOnly: boolean) =>
      renderTenant(
        tenant('acme', { plan: 'team', seats: 5, engines: [{ name: 'a' }, { name: 'b', readOnly }] }),
      );
    const [before, after] = [render(false), render(true)];
    const configMaps = before.filter((o) => o.kind === 'ConfigMap');
    expect(configMaps.map((o) => o.metadata.name)).toEqual(['tenant-config']);
    const data = (o: typeof before) => any(find(o, 'ConfigMap', 'tenant-config')).data;
    expect(Object.keys(data(before)).sort()).toEqual(['cerebro.json', 'engine-a.json', 'engine-b.json']);
    // readOnly is a hot field of b: b's file changes and b reloads it live; a is untouched
    expect(data(after)['engine-b.json']).not.toBe(data(before)['engine-b.json']);
    expect(data(after)['engine-a.json']).toBe(data(before)['engine-a.json']);
    const template = (o: typeof before, name: string) => any(find(o, 'Deployment', name)).spec.template;
    expect(template(after, 'engine-a')).toEqual(template(before, 'engine-a'));
    expect(template(after, 'engine-b')).toEqual(template(before, 'engine-b'));
    // cerebro's file lists the switch too, and cerebro reloads it: its pods do not roll either.
    expect(data(after)['cerebro.json']).not.toBe(data(before)['cerebro.json']);
    expect(template(after, 'cerebro')).toEqual(template(before, 'cerebro'));
  });

  it('refuses, naming spec.engines, config files that one ConfigMap cannot hold (1 MiB)', () => {
    // 200 proxy rules with long patterns per engine (what the schema allows), on 20 engines.
    const rules = Array.from({ length: 200 }, (_, i) => ({
      pattern: `${String(i).padStart(3, '0')}_${'x'.repeat(190)}*`,
      classification: 'read' as const,
    }));
    const engines = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        name: `e${i}`,
        plugins: ['proxy'],
        pluginConfig: { proxy: { url: 'https://mcp.example.com/mcp', rules } },
      }));
    const render = (n: number) =>
      renderTenantManifest(
        tenant('acme', { plan: 'enterprise', seats: 50, quota: { engines: n }, engines: engines(n) }),
      );
    const refused = render(20);
    expect(refused.ok ? [] : refused.issues.map((i) => i.path)).toEqual(['spec.engines']);
    expect(refused.ok ? '' : refused.issues[0]!.message).toMatch(/over the 1048576 one ConfigMap holds/);
    const fits = render(5);
    expect(fits.ok).toBe(true);
  });

  it('scales every workload to zero when suspended', () => {
    const objects = renderTenant(tenant('acme', { suspended: true, engines: [{ name: 'a', replicas: 3 }] }));
    expect(objects.filter((o) => o.kind === 'Deployment').map((o) => any(o).spec.replicas)).toEqual([0, 0]);
  });

  it('pins a dedicated tenant to its node pool unless the operator disables it', () => {
    const t = tenant('globex', { plan: 'enterprise', seats: 50, isolation: 'dedicated' });
    const pod = any(find(renderTenant(t), 'Deployment', 'cerebro')).spec.template.spec;
    expect(pod.nodeSelector).toEqual({ 'platform.contextweaver.io/tenant-pool': 'globex' });
    expect(pod.tolerations[0]).toMatchObject({
      key: 'platform.contextweaver.io/tenant-pool',
      value: 'globex',
      effect: 'NoSchedule',
    });
    const shared = any(find(renderTenant(t, { dedicatedNodePools: false }), 'Deployment', 'cerebro')).spec
      .template.spec;
    expect(shared.nodeSelector).toBeUndefined();
  });

  it('takes operator-level settings from the options, not the tenant', () => {
    const objects = renderTenant(tenant('acme', { routing: { mode: 'ingress' } }), {
      ingressClassName: 'nginx',
      gatewayNamespace: 'edge',
    });
    expect(any(find(objects, 'Ingress')).spec.ingressClassName).toBe('nginx');
    expect(JSON.stringify(find(objects, 'NetworkPolicy', 'allow-ingress-gateway'))).toContain('"edge"');
  });

  it('reports every render problem with the field to fix', () => {
    const t = tenant('acme', {
      cloud: { provider: 'aws', region: 'eu-west-1' },
      identity: { issuer: 'https://idp.example.com', clientId: 'c', clientSecretRef: { key: 'oidc' } },
      bindings: { llm: { endpoint: 'http://llm.tenant-other.svc' } },
    });
    expect(() => renderTenant(t)).toThrow(TenantRenderError);
    const result = renderTenantManifest(t);
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.issues.map((i) => i.path)).toEqual([
      'spec.bindings.vault',
      'spec.bindings.llm.endpoint',
      // Reported once although cerebro and the engine both need the store binding.
      'spec.bindings.database',
    ]);
  });

  it('reports schema problems before rendering', () => {
    const result = renderTenantManifest({ ...tenant('acme'), spec: { ...tenant('acme').spec, seats: 500 } });
    expect(result.ok ? [] : result.issues).toEqual([
      { path: 'spec.seats', message: "500 seats is outside the starter plan's range 1-10" },
    ]);
  });

  it('uses the operator routing default only when the tenant leaves the mode unset', () => {
    const raw = {
      apiVersion: 'platform.contextweaver.io/v1alpha1',
      kind: 'Tenant',
      metadata: { name: 'acme' },
      spec: { plan: 'starter' },
    };
    expect(any(withRoutingDefault(raw, { defaultRoutingMode: 'ingress' })).spec.routing).toEqual({
      mode: 'ingress',
    });
    const chosen = { ...raw, spec: { ...raw.spec, routing: { mode: 'gateway' } } };
    expect(any(withRoutingDefault(chosen, { defaultRoutingMode: 'ingress' })).spec.routing).toEqual({
      mode: 'gateway',
    });
  });
});
