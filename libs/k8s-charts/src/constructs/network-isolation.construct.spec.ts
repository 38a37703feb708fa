import { describe, expect, it } from 'vitest';
import { bindingEgressTargets, PRIVATE_RANGES } from '../endpoints.js';
import { any, find, synth, tenant } from '../fixtures.spec-helper.js';
import { NetworkIsolation, type NetworkIsolationProps } from './network-isolation.construct.js';
import { admits, probeAddresses, sixPolicies, type Endpoint } from './network-policy.spec-helper.js';

const props: NetworkIsolationProps = {
  slug: 'acme',
  namespace: 'tenant-acme',
  cloud: 'aws',
  gatewayNamespace: 'istio-ingress',
  ingressPodLabels: { 'app.kubernetes.io/name': 'cerebro' },
  ingressPort: 5080,
  dnsNamespace: 'kube-system',
  dnsPodLabels: { 'k8s-app': 'kube-dns' },
  meshNamespace: 'istio-system',
  egress: [],
};
const render = (p: Partial<NetworkIsolationProps> = {}) =>
  synth((c) => new NetworkIsolation(c, 'net', { ...props, ...p }));

describe('NetworkIsolation', () => {
  it('renders its defaults (snapshot)', () => {
    expect(render()).toMatchSnapshot();
  });

  it('is two policies: deny-by-default with the namespace-wide allow-list, and the gateway to cerebro', () => {
    expect(render().map((o) => o.metadata.name)).toEqual(['tenant-isolation', 'allow-ingress-gateway']);
    const spec = any(find(render(), 'NetworkPolicy', 'tenant-isolation')).spec;
    // Every pod, both directions: whatever is not listed is denied.
    expect(spec.podSelector).toEqual({});
    expect(spec.policyTypes).toEqual(['Ingress', 'Egress']);
  });

  it('allows the same namespace both ways', () => {
    const spec = any(find(render(), 'NetworkPolicy', 'tenant-isolation')).spec;
    expect(spec.ingress).toEqual([{ from: [{ podSelector: {} }] }]);
    expect(spec.egress[0]).toEqual({ to: [{ podSelector: {} }] });
  });

  it('admits the gateway namespace to cerebro on its port only', () => {
    const spec = any(find(render(), 'NetworkPolicy', 'allow-ingress-gateway')).spec;
    expect(spec.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'cerebro' } });
    expect(spec.ingress).toEqual([
      {
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-ingress' } } }],
        ports: [{ protocol: 'TCP', port: 5080 }],
      },
    ]);
  });

  it('allows DNS to the DNS pods on 53 UDP and TCP, and istiod on 15012', () => {
    const egress = any(find(render(), 'NetworkPolicy', 'tenant-isolation')).spec.egress;
    expect(egress[1].to).toEqual([
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
        podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
      },
    ]);
    expect(egress[1].ports).toEqual([
      { protocol: 'UDP', port: 53 },
      { protocol: 'TCP', port: 53 },
    ]);
    expect(egress[2]).toEqual({
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } } }],
      ports: [{ protocol: 'TCP', port: 15012 }],
    });
    expect(egress).toHaveLength(3);
  });

  it('opens egress to bound endpoints: public hosts on their ports without private ranges, in-cluster services by namespace', () => {
    const t = tenant('acme', {
      cloud: { provider: 'aws', region: 'eu-west-1' },
      bindings: {
        database: { endpoint: 'postgres://db.platform-data.svc:5432/acme', name: 'acme' },
        search: { endpoint: 'https://search.example.com:9243', index: 'acme-' },
        llm: { endpoint: '203.0.113.7:8443' },
        vault: { kind: 'aws-secrets-manager', uri: 'arn:aws:secretsmanager:eu-west-1:1:secret:cw/acme/' },
      },
    });
    const egress = bindingEgressTargets('acme', t.spec);
    const policy = find(render({ egress }), 'NetworkPolicy', 'tenant-isolation');
    expect(any(policy).spec.egress.slice(3)).toEqual([
      {
        to: [{ ipBlock: { cidr: '0.0.0.0/0', except: [...PRIVATE_RANGES] } }],
        ports: [
          { protocol: 'TCP', port: 443 },
          { protocol: 'TCP', port: 9243 },
        ],
      },
      { to: [{ ipBlock: { cidr: '203.0.113.7/32' } }], ports: [{ protocol: 'TCP', port: 8443 }] },
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'platform-data' } } }],
        ports: [{ protocol: 'TCP', port: 5432 }],
      },
    ]);
    expect(policy.metadata.annotations!['platform.contextweaver.io/egress-endpoints']).toBe(
      '203.0.113.7:8443,db.platform-data.svc:5432,search.example.com:9243,secretsmanager.eu-west-1.amazonaws.com:443',
    );
  });

  it('opens no binding egress without bindings, except the GKE metadata server on gcp', () => {
    const local = find(render(), 'NetworkPolicy', 'tenant-isolation');
    expect(any(local).spec.egress).toHaveLength(3);
    expect(local.metadata.annotations).toBeUndefined();
    const gcp = any(find(render({ cloud: 'gcp' }), 'NetworkPolicy', 'tenant-isolation')).spec.egress.slice(3);
    expect(gcp).toEqual([
      {
        to: [{ ipBlock: { cidr: '169.254.169.254/32' } }],
        ports: [
          { protocol: 'TCP', port: 80 },
          { protocol: 'TCP', port: 988 },
        ],
      },
    ]);
  });

  it('admits exactly what the six separate policies admitted (every pod, peer, direction and port)', () => {
    const bindings = tenant('acme', {
      cloud: { provider: 'aws', region: 'eu-west-1' },
      bindings: {
        database: { endpoint: 'postgres://db.platform-data.svc:5432/acme', name: 'acme' },
        search: { endpoint: 'https://search.example.com:9243', index: 'acme-' },
        llm: { endpoint: '203.0.113.7:8443' },
        vault: { kind: 'aws-secrets-manager', uri: 'arn:aws:secretsmanager:eu-west-1:1:secret:cw/acme/' },
      },
    });
    const cases: Array<Partial<NetworkIsolationProps>> = [
      {},
      { cloud: 'gcp' },
      { cloud: 'aws', egress: bindingEgressTargets('acme', bindings.spec) },
      { cloud: 'gcp', egress: bindingEgressTargets('acme', bindings.spec) },
    ];
    const ns = props.namespace;
    const podsHere: Array<Record<string, string>> = [
      { 'app.kubernetes.io/name': 'cerebro' },
      { 'app.kubernetes.io/name': 'engine-main' },
      {}, // a pod the operator did not make
    ];
    const others: Endpoint[] = [
      ...podsHere.map((labels) => ({ kind: 'pod' as const, namespace: ns, labels })),
      { kind: 'pod', namespace: 'istio-ingress', labels: { app: 'gateway' } },
      { kind: 'pod', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } },
      { kind: 'pod', namespace: 'kube-system', labels: { component: 'kube-apiserver' } },
      { kind: 'pod', namespace: 'istio-system', labels: { app: 'istiod' } },
      { kind: 'pod', namespace: 'platform-data', labels: { app: 'postgres' } },
      { kind: 'pod', namespace: 'tenant-globex', labels: { 'app.kubernetes.io/name': 'cerebro' } },
      ...probeAddresses().map((ip) => ({ kind: 'ip' as const, ip })),
    ];
    const ports = [22, 53, 80, 443, 988, 5000, 5001, 5080, 5432, 8443, 9243, 15012, 15017];
    let compared = 0;
    for (const c of cases) {
      const p = { ...props, ...c };
      const now = synth((chart) => new NetworkIsolation(chart, 'net', p));
      const before = sixPolicies(p);
      for (const labels of podsHere)
        for (const direction of ['Ingress', 'Egress'] as const)
          for (const other of others)
            for (const protocol of ['TCP', 'UDP'])
              for (const port of ports) {
                const was = admits(before, ns, labels, direction, other, protocol, port);
                const is = admits(now, ns, labels, direction, other, protocol, port);
                if (was !== is)
                  throw new Error(
                    `${JSON.stringify(c)}: ${direction} ${JSON.stringify(labels)} <-> ${JSON.stringify(other)} ${protocol}/${port}: was ${was}, now ${is}`,
                  );
                compared++;
              }
    }
    expect(compared).toBe(4 * 3 * 2 * others.length * 2 * ports.length);
    // The evaluator is not vacuous: it tells an allowed path from a denied one.
    const now = render();
    const cerebro = podsHere[0]!;
    const gateway = others[3]!;
    expect(admits(now, ns, cerebro, 'Ingress', gateway, 'TCP', 5080)).toBe(true);
    expect(admits(now, ns, podsHere[1]!, 'Ingress', gateway, 'TCP', 5080)).toBe(false);
    expect(admits(now, ns, cerebro, 'Egress', others[9]!, 'TCP', 5080)).toBe(false); // tenant-globex
    expect(admits(now, ns, cerebro, 'Egress', { kind: 'ip', ip: '8.8.8.8' }, 'TCP', 443)).toBe(false);
  });

  it("refuses an endpoint in another tenant's namespace, naming the field", () => {
    const t = tenant('acme', {
      bindings: { database: { endpoint: 'postgres://db.tenant-globex.svc:5432', name: 'x' } },
    });
    expect(() => bindingEgressTargets('acme', t.spec)).toThrow(
      /^spec\.bindings\.database\.endpoint: .*another tenant's namespace tenant-globex/,
    );
    const bad = tenant('acme', { bindings: { llm: { endpoint: 'not an endpoint' } } });
    expect(() => bindingEgressTargets('acme', bad.spec)).toThrow(
      /^spec\.bindings\.llm\.endpoint: "not an endpoint" is not an endpoint/,
    );
  });
});
