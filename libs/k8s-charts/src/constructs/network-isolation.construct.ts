import { Construct } from 'constructs';
import type { CloudProvider } from '@cw/tenant-model';
import { PRIVATE_RANGES, type EgressTarget } from '../endpoints.js';
import { tenantLabels } from '../labels.js';
import { addObject } from './api.js';

export interface NetworkIsolationProps {
  readonly slug: string;
  readonly namespace: string;
  readonly cloud: CloudProvider;
  /** Namespace of the ingress gateway, admitted to the ingress pods on their port. */
  readonly gatewayNamespace: string;
  /** Pods the gateway may reach (cerebro) and on which port. */
  readonly ingressPodLabels: Record<string, string>;
  readonly ingressPort: number;
  readonly dnsNamespace: string;
  readonly dnsPodLabels: Readonly<Record<string, string>>;
  /** Mesh control plane namespace (istiod): sidecars fetch their configuration and certificates there. */
  readonly meshNamespace: string;
  readonly egress: readonly EgressTarget[];
}

/** The label the API server puts on every namespace (v1.21+): the only way to name one namespace. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';
const namespaceNamed = (name: string) => ({
  namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: name } },
});
const tcp = (port: number) => ({ protocol: 'TCP', port });

/** Name of the namespace-wide policy: deny by default, then the tenant's allow-list. */
export const ISOLATION_POLICY = 'tenant-isolation';
export const GATEWAY_POLICY = 'allow-ingress-gateway';

/**
 * Two NetworkPolicies say it all. `tenant-isolation` selects every pod of the namespace for both
 * directions, so everything it does not list is denied (a default-deny), and lists the few
 * allowances every pod needs: its own namespace, cluster DNS, the mesh control plane, and egress
 * to the endpoints of the tenant's own bindings. `allow-ingress-gateway` admits the ingress
 * gateway to cerebro's pods only, on their port. Policies are additive, so this is the same
 * effective policy as one policy per allowance (a default-deny plus five allow policies), in two
 * writes instead of six; a unit test compares the two pod by pod, peer by peer, port by port.
 * Nothing admits another tenant's namespace.
 */
export class NetworkIsolation extends Construct {
  constructor(scope: Construct, id: string, props: NetworkIsolationProps) {
    super(scope, id);
    const policy = (name: string, spec: Record<string, unknown>, annotations?: Record<string, string>) =>
      addObject(this, name, {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: {
          name,
          namespace: props.namespace,
          labels: tenantLabels(props.slug),
          ...(annotations ? { annotations } : {}),
        },
        spec,
      });

    // NetworkPolicy cannot name hosts; the annotation records which ones the binding rules are for.
    const hosts = [
      ...new Set(props.egress.map((t) => `${t.kind === 'ip' ? t.ip : t.host}:${t.port}`)),
    ].sort();
    policy(
      ISOLATION_POLICY,
      {
        podSelector: {},
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [{ podSelector: {} }] }],
        egress: [
          { to: [{ podSelector: {} }] },
          {
            to: [
              {
                ...namespaceNamed(props.dnsNamespace),
                podSelector: { matchLabels: { ...props.dnsPodLabels } },
              },
            ],
            ports: [
              { protocol: 'UDP', port: 53 },
              { protocol: 'TCP', port: 53 },
            ],
          },
          // Sidecars fetch configuration (xDS) and workload certificates from istiod on 15012.
          { to: [namespaceNamed(props.meshNamespace)], ports: [tcp(15012)] },
          ...egressRules(props.egress, props.cloud),
        ],
      },
      hosts.length > 0 ? { 'platform.contextweaver.io/egress-endpoints': hosts.join(',') } : undefined,
    );
    policy(GATEWAY_POLICY, {
      podSelector: { matchLabels: props.ingressPodLabels },
      policyTypes: ['Ingress'],
      ingress: [{ from: [namespaceNamed(props.gatewayNamespace)], ports: [tcp(props.ingressPort)] }],
    });
  }
}

const uniqueSorted = (ports: number[]): number[] => [...new Set(ports)].sort((a, b) => a - b);

/** Egress rules for the endpoints of a tenant's bindings. */
export function egressRules(
  targets: readonly EgressTarget[],
  cloud: CloudProvider,
): Array<Record<string, unknown>> {
  const rules: Array<Record<string, unknown>> = [];
  const publicPorts = uniqueSorted(targets.filter((t) => t.kind === 'public').map((t) => t.port));
  if (publicPorts.length > 0) {
    rules.push({
      to: [{ ipBlock: { cidr: '0.0.0.0/0', except: [...PRIVATE_RANGES] } }],
      ports: publicPorts.map(tcp),
    });
  }
  const byIp = new Map<string, number[]>();
  for (const t of targets) if (t.kind === 'ip') byIp.set(t.ip, [...(byIp.get(t.ip) ?? []), t.port]);
  for (const [ip, ports] of [...byIp].sort(([a], [b]) => a.localeCompare(b))) {
    rules.push({
      to: [{ ipBlock: { cidr: ip.includes(':') ? `${ip}/128` : `${ip}/32` } }],
      ports: uniqueSorted(ports).map(tcp),
    });
  }
  const byNs = new Map<string, number[]>();
  for (const t of targets)
    if (t.kind === 'namespace') byNs.set(t.namespace, [...(byNs.get(t.namespace) ?? []), t.port]);
  for (const [ns, ports] of [...byNs].sort(([a], [b]) => a.localeCompare(b))) {
    rules.push({ to: [namespaceNamed(ns)], ports: uniqueSorted(ports).map(tcp) });
  }
  // GKE Workload Identity answers token requests on the metadata address (80, and 988 for the
  // gke-metadata-server), which the public rule above deliberately leaves closed.
  if (cloud === 'gcp') {
    rules.push({ to: [{ ipBlock: { cidr: '169.254.169.254/32' } }], ports: [tcp(80), tcp(988)] });
  }
  return rules;
}
