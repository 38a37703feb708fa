/**
 * For specs (not a spec itself): a NetworkPolicy evaluator with Kubernetes' semantics, and the
 * six policies NetworkIsolation rendered before it was collapsed into two — so a spec can prove
 * that both admit exactly the same traffic.
 *
 * Semantics (networking.k8s.io/v1): a pod is isolated in a direction when some policy of its
 * namespace selects it with that direction in policyTypes; an isolated pod admits a connection
 * when any selecting policy has a rule of that direction whose peers (absent/empty = everyone)
 * and ports (absent/empty = every port) both match. Policies only add allowances.
 */
import { PRIVATE_RANGES } from '../endpoints.js';
import type { KubeObject } from '../kube-object.js';
import {
  egressRules,
  NAMESPACE_NAME_LABEL,
  type NetworkIsolationProps,
} from './network-isolation.construct.js';

type Labels = Readonly<Record<string, string>>;
interface Selector {
  matchLabels?: Labels;
  matchExpressions?: unknown[];
}
interface Peer {
  podSelector?: Selector;
  namespaceSelector?: Selector;
  ipBlock?: { cidr: string; except?: string[] };
}
interface Port {
  protocol?: string;
  port?: number | string;
  endPort?: number;
}
interface Rule {
  from?: Peer[];
  to?: Peer[];
  ports?: Port[];
}
interface PolicySpec {
  podSelector: Selector;
  policyTypes: string[];
  ingress?: Rule[];
  egress?: Rule[];
}

/** The other end of a connection: a pod (namespace + labels) or an address outside the cluster. */
export type Endpoint = { kind: 'pod'; namespace: string; labels: Labels } | { kind: 'ip'; ip: string };

function selects(selector: Selector | undefined, labels: Labels): boolean {
  if (selector?.matchExpressions?.length) throw new Error('matchExpressions are not evaluated here');
  return Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
}

const ipToInt = (ip: string) => ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/') as [string, string];
  if (base.includes(':') || ip.includes(':')) return base === ip;
  const size = 2 ** (32 - Number(bits));
  return Math.floor(ipToInt(ip) / size) === Math.floor(ipToInt(base) / size);
}

function peerMatches(peer: Peer, other: Endpoint, policyNamespace: string): boolean {
  if (peer.ipBlock) {
    return (
      other.kind === 'ip' &&
      inCidr(other.ip, peer.ipBlock.cidr) &&
      !(peer.ipBlock.except ?? []).some((c) => inCidr(other.ip, c))
    );
  }
  if (other.kind !== 'pod') return false;
  const nsOk = peer.namespaceSelector
    ? selects(peer.namespaceSelector, { [NAMESPACE_NAME_LABEL]: other.namespace })
    : other.namespace === policyNamespace;
  return nsOk && (peer.podSelector === undefined || selects(peer.podSelector, other.labels));
}

function portMatches(ports: Port[] | undefined, protocol: string, port: number): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => {
    if ((p.protocol ?? 'TCP') !== protocol) return false;
    if (p.port === undefined) return true;
    if (typeof p.port === 'string') throw new Error('named ports are not evaluated here');
    return p.endPort ? port >= p.port && port <= p.endPort : port === p.port;
  });
}

/** Whether `policies` (of namespace `namespace`) admit a connection to or from a pod with `podLabels`. */
export function admits(
  policies: readonly KubeObject[],
  namespace: string,
  podLabels: Labels,
  direction: 'Ingress' | 'Egress',
  other: Endpoint,
  protocol: string,
  port: number,
): boolean {
  const selecting = policies
    .filter((p) => p.kind === 'NetworkPolicy' && p.metadata.namespace === namespace)
    .map((p) => p.spec as unknown as PolicySpec)
    .filter((s) => s.policyTypes.includes(direction) && selects(s.podSelector, podLabels));
  if (selecting.length === 0) return true;
  return selecting.some((s) =>
    (direction === 'Ingress' ? (s.ingress ?? []) : (s.egress ?? [])).some((rule) => {
      const peers = direction === 'Ingress' ? rule.from : rule.to;
      const peerOk = !peers || peers.length === 0 || peers.some((p) => peerMatches(p, other, namespace));
      return peerOk && portMatches(rule.ports, protocol, port);
    }),
  );
}

/** The policies NetworkIsolation rendered before (default-deny and one policy per allowance). */
export function sixPolicies(props: NetworkIsolationProps): KubeObject[] {
  const ns = (name: string) => ({ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: name } } });
  const tcp = (port: number) => ({ protocol: 'TCP', port });
  const policy = (name: string, spec: Record<string, unknown>): KubeObject => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace: props.namespace },
    spec,
  });
  const rules = egressRules(props.egress, props.cloud);
  return [
    policy('default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }),
    policy('allow-same-namespace', {
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ podSelector: {} }] }],
      egress: [{ to: [{ podSelector: {} }] }],
    }),
    policy('allow-ingress-gateway', {
      podSelector: { matchLabels: props.ingressPodLabels },
      policyTypes: ['Ingress'],
      ingress: [{ from: [ns(props.gatewayNamespace)], ports: [tcp(props.ingressPort)] }],
    }),
    policy('allow-dns', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        {
          to: [{ ...ns(props.dnsNamespace), podSelector: { matchLabels: { ...props.dnsPodLabels } } }],
          ports: [
            { protocol: 'UDP', port: 53 },
            { protocol: 'TCP', port: 53 },
          ],
        },
      ],
    }),
    policy('allow-mesh-control-plane', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{ to: [ns(props.meshNamespace)], ports: [tcp(15012)] }],
    }),
    ...(rules.length > 0
      ? [policy('allow-egress-bindings', { podSelector: {}, policyTypes: ['Egress'], egress: rules })]
      : []),
  ];
}

/** Addresses worth probing: public, each private range, the metadata server, and the given ones. */
export function probeAddresses(extra: readonly string[] = []): string[] {
  const firstOf = (cidr: string) => cidr.split('/')[0]!.replace(/\.0$/, '.1');
  return [
    '8.8.8.8',
    '203.0.113.7',
    '203.0.113.8',
    '169.254.169.254',
    ...PRIVATE_RANGES.filter((c) => !c.includes(':')).map(firstOf),
    ...extra,
  ];
}
