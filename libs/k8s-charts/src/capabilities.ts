/**
 * API versions that differ between clusters, decided by API discovery rather than by a version
 * number: Kubernetes v1.20 serves PodDisruptionBudget only as policy/v1beta1 (policy/v1 arrived
 * in v1.21 and v1beta1 left in v1.25); External Secrets moved from v1beta1 to v1.
 */
export interface ApiCapabilities {
  readonly podDisruptionBudget: 'policy/v1' | 'policy/v1beta1';
  readonly externalSecrets: 'external-secrets.io/v1' | 'external-secrets.io/v1beta1';
}

/** What current Kubernetes serves; used when rendering without a cluster (`cw render`). */
export const CURRENT_CAPABILITIES: ApiCapabilities = {
  podDisruptionBudget: 'policy/v1',
  externalSecrets: 'external-secrets.io/v1',
};

/**
 * Picks the newest served version of each API from the group/versions a cluster serves
 * (e.g. `["v1", "apps/v1", "policy/v1beta1"]`). When neither is served, the current version is
 * kept, so the apply fails with the cluster's own "not found" message rather than guessing.
 */
export function chooseCapabilities(servedGroupVersions: Iterable<string>): ApiCapabilities {
  const served = new Set(servedGroupVersions);
  const pick = <T extends string>(preferred: readonly T[]): T =>
    preferred.find((v) => served.has(v)) ?? preferred[0]!;
  return {
    podDisruptionBudget: pick(['policy/v1', 'policy/v1beta1'] as const),
    externalSecrets: pick(['external-secrets.io/v1', 'external-secrets.io/v1beta1'] as const),
  };
}
