/**
 * Every kind of object the operator applies for a tenant, with the reconcile phase it belongs to
 * and its REST resource. The order is the apply order: the namespace before what lives in it,
 * quotas before pods, routes last. RBAC (the install ClusterRole) and the operator's watches are
 * derived from this table, so a new kind cannot be applied without being granted and watched.
 */
export const PHASES = ['namespace', 'identity', 'policies', 'quotas', 'workloads', 'routing'] as const;
export type Phase = (typeof PHASES)[number];

export interface ManagedResource {
  readonly group: string;
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
  readonly phase: Phase;
  /** Versions the operator can apply, preferred first (the served one is chosen by discovery). */
  readonly versions: readonly string[];
  /** Optional integrations (mesh, Gateway API, CSI, External Secrets): absent when their CRD is not installed. */
  readonly optional?: boolean;
}

export const MANAGED_RESOURCES: readonly ManagedResource[] = [
  {
    group: '',
    kind: 'Namespace',
    plural: 'namespaces',
    namespaced: false,
    phase: 'namespace',
    versions: ['v1'],
  },
  {
    group: '',
    kind: 'ServiceAccount',
    plural: 'serviceaccounts',
    namespaced: true,
    phase: 'identity',
    versions: ['v1'],
  },
  {
    group: 'secrets-store.csi.x-k8s.io',
    kind: 'SecretProviderClass',
    plural: 'secretproviderclasses',
    namespaced: true,
    phase: 'identity',
    versions: ['v1'],
    optional: true,
  },
  {
    group: 'external-secrets.io',
    kind: 'ExternalSecret',
    plural: 'externalsecrets',
    namespaced: true,
    phase: 'identity',
    versions: ['v1', 'v1beta1'],
    optional: true,
  },
  {
    group: 'networking.k8s.io',
    kind: 'NetworkPolicy',
    plural: 'networkpolicies',
    namespaced: true,
    phase: 'policies',
    versions: ['v1'],
  },
  {
    group: 'security.istio.io',
    kind: 'PeerAuthentication',
    plural: 'peerauthentications',
    namespaced: true,
    phase: 'policies',
    versions: ['v1'],
    optional: true,
  },
  {
    group: 'security.istio.io',
    kind: 'AuthorizationPolicy',
    plural: 'authorizationpolicies',
    namespaced: true,
    phase: 'policies',
    versions: ['v1'],
    optional: true,
  },
  {
    group: '',
    kind: 'ResourceQuota',
    plural: 'resourcequotas',
    namespaced: true,
    phase: 'quotas',
    versions: ['v1'],
  },
  {
    group: '',
    kind: 'LimitRange',
    plural: 'limitranges',
    namespaced: true,
    phase: 'quotas',
    versions: ['v1'],
  },
  {
    group: '',
    kind: 'ConfigMap',
    plural: 'configmaps',
    namespaced: true,
    phase: 'workloads',
    versions: ['v1'],
  },
  { group: '', kind: 'Service', plural: 'services', namespaced: true, phase: 'workloads', versions: ['v1'] },
  {
    group: 'apps',
    kind: 'Deployment',
    plural: 'deployments',
    namespaced: true,
    phase: 'workloads',
    versions: ['v1'],
  },
  {
    group: 'policy',
    kind: 'PodDisruptionBudget',
    plural: 'poddisruptionbudgets',
    namespaced: true,
    phase: 'workloads',
    versions: ['v1', 'v1beta1'],
  },
  {
    group: 'gateway.networking.k8s.io',
    kind: 'HTTPRoute',
    plural: 'httproutes',
    namespaced: true,
    phase: 'routing',
    versions: ['v1'],
    optional: true,
  },
  {
    group: 'networking.k8s.io',
    kind: 'Ingress',
    plural: 'ingresses',
    namespaced: true,
    phase: 'routing',
    versions: ['v1'],
  },
];

/**
 * The apiVersion a managed kind is applied and watched under on a cluster serving `served` (group
 * versions, e.g. `apps/v1`): its first listed version the cluster serves, or undefined when none is.
 */
export function servedApiVersion(resource: ManagedResource, served: ReadonlySet<string>): string | undefined {
  const apiVersion = (v: string) => (resource.group ? `${resource.group}/${v}` : v);
  const version = resource.versions.find((v) => served.has(apiVersion(v)));
  return version === undefined ? undefined : apiVersion(version);
}

const byGroupKind = new Map(MANAGED_RESOURCES.map((r, i) => [`${r.group}/${r.kind}`, { r, i }]));

export function managedResource(group: string, kind: string): ManagedResource | undefined {
  return byGroupKind.get(`${group}/${kind}`)?.r;
}

/** Apply order rank of a kind (unknown kinds last). */
export function kindRank(group: string, kind: string): number {
  return byGroupKind.get(`${group}/${kind}`)?.i ?? MANAGED_RESOURCES.length;
}
