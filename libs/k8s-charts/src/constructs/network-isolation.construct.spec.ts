import { describe, expect, it } from 'vitest';
import { bindingEgressTargets, PRIVATE_RANGES } from '../endpoints.js';
import { any, find, synth, tenant } from '../fixtures.spec-helper.js';
import { NetworkIsolation, type NetworkIsolationProps } from './network-isolation.construct.js';

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

  it('denies all ingress and egress by default', () => {
    expect(any(find(render(), 'NetworkPolicy', 'default-deny')).spec).toEqual({
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
    });
  });

  it('allows the same namespace both ways', () => {
    const spec = any(find(render(), 'NetworkPolicy', 'allow-same-namespace')).spec;
    expect(spec.ingress).toEqual([{ from: [{ podSelector: {} }] }]);
    expect(spec.egress).toEqual([{ to: [{ podSelector: {} }] }]);
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
    const objects = render();
    const dns = any(find(objects, 'NetworkPolicy', 'allow-dns')).spec.egress[0];
    expect(dns.to).toEqual([
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
        podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
      },
    ]);
    expect(dns.ports).toEqual([
      { protocol: 'UDP', port: 53 },
      { protocol: 'TCP', port: 53 },
    ]);
    expect(any(find(objects, 'NetworkPolicy', 'allow-mesh-control-plane')).spec.egress[0].ports).toEqual([
      { protocol: 'TCP', port: 15012 },
    ]);
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
    const policy = find(render({ egress }), 'NetworkPolicy', 'allow-egress-bindings');
    expect(any(policy).spec.egress).toEqual([
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

  it('renders no binding egress policy without bindings, except the GKE metadata server on gcp', () => {
    expect(render().some((o) => o.metadata.name === 'allow-egress-bindings')).toBe(false);
    const gcp = any(find(render({ cloud: 'gcp' }), 'NetworkPolicy', 'allow-egress-bindings')).spec.egress;
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
