/**
 * Operator-level settings that shape every tenant's objects. They describe the platform the
 * tenants run on (where the gateway and DNS live, which secret store exists), so they come from
 * operator configuration, never from a Tenant.
 */
import { CURRENT_CAPABILITIES, type ApiCapabilities } from './capabilities.js';

export type RoutingMode = 'gateway' | 'ingress';

export interface TenantRenderOptions {
  /**
   * Namespace of the shared ingress gateway (Gateway API Gateway or ingress controller).
   * @default 'istio-ingress'
   */
  readonly gatewayNamespace?: string;
  /**
   * Name of the Gateway that tenant HTTPRoutes attach to.
   * @default 'cw-gateway'
   */
  readonly gatewayName?: string;
  /**
   * Service account of the gateway pods; its mesh identity is admitted by each tenant's AuthorizationPolicy.
   * @default '<gatewayName>-istio' (what Istio names the deployment of a Gateway API Gateway)
   */
  readonly gatewayServiceAccount?: string;
  /**
   * IngressClass used when a tenant routes by Ingress.
   * @default 'istio'
   */
  readonly ingressClassName?: string;
  /**
   * Routing mode for a Tenant that does not choose one (spec.routing.mode unset).
   * @default 'gateway'
   */
  readonly defaultRoutingMode?: RoutingMode;
  /**
   * Namespace of cluster DNS.
   * @default 'kube-system'
   */
  readonly dnsNamespace?: string;
  /**
   * Pod labels of cluster DNS.
   * @default { 'k8s-app': 'kube-dns' }
   */
  readonly dnsPodLabels?: Readonly<Record<string, string>>;
  /**
   * Namespace of the mesh control plane (istiod), which sidecars must reach.
   * @default 'istio-system'
   */
  readonly meshNamespace?: string;
  /**
   * Mesh trust domain used in SPIFFE principals.
   * @default 'cluster.local'
   */
  readonly trustDomain?: string;
  /**
   * API versions decided by discovery.
   * @default CURRENT_CAPABILITIES
   */
  readonly capabilities?: Partial<ApiCapabilities>;
  /**
   * External Secrets store that serves tenant vaults of kind `kubernetes`.
   * @default { name: 'cw-tenant-vault', kind: 'ClusterSecretStore' }
   */
  readonly externalSecretStore?: {
    readonly name: string;
    readonly kind: 'ClusterSecretStore' | 'SecretStore';
  };
  /**
   * Entra ID tenant of the platform's managed identities (Azure Key Vault CSI provider `tenantId`).
   * @default undefined (left to the provider's defaults)
   */
  readonly azureTenantId?: string;
  /**
   * Pin dedicated-isolation tenants to their own node pool (node selector + toleration).
   * @default true
   */
  readonly dedicatedNodePools?: boolean;
  /**
   * Node label (and taint key) naming a tenant's dedicated node pool; its value is the tenant slug.
   * @default 'platform.contextweaver.io/tenant-pool'
   */
  readonly nodePoolLabel?: string;
}

export type ResolvedRenderOptions = Required<Omit<TenantRenderOptions, 'azureTenantId' | 'capabilities'>> & {
  readonly azureTenantId: string | undefined;
  readonly capabilities: ApiCapabilities;
};

/** Applies defaults once, so constructs never repeat them. */
export function resolveRenderOptions(options: TenantRenderOptions = {}): ResolvedRenderOptions {
  const gatewayName = options.gatewayName ?? 'cw-gateway';
  return {
    gatewayNamespace: options.gatewayNamespace ?? 'istio-ingress',
    gatewayName,
    gatewayServiceAccount: options.gatewayServiceAccount ?? `${gatewayName}-istio`,
    ingressClassName: options.ingressClassName ?? 'istio',
    defaultRoutingMode: options.defaultRoutingMode ?? 'gateway',
    dnsNamespace: options.dnsNamespace ?? 'kube-system',
    dnsPodLabels: options.dnsPodLabels ?? { 'k8s-app': 'kube-dns' },
    meshNamespace: options.meshNamespace ?? 'istio-system',
    trustDomain: options.trustDomain ?? 'cluster.local',
    capabilities: { ...CURRENT_CAPABILITIES, ...options.capabilities },
    externalSecretStore: options.externalSecretStore ?? {
      name: 'cw-tenant-vault',
      kind: 'ClusterSecretStore',
    },
    azureTenantId: options.azureTenantId,
    dedicatedNodePools: options.dedicatedNodePools ?? true,
    nodePoolLabel: options.nodePoolLabel ?? 'platform.contextweaver.io/tenant-pool',
  };
}
