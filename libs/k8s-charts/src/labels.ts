/** Labels every object of a tenant carries, and the selector labels of its workloads. */
import { LABEL_MANAGED_BY, LABEL_TENANT } from '@cw/tenant-model';

/** Value of app.kubernetes.io/managed-by on everything the operator applies; prune only touches these. */
export const MANAGED_BY = 'tenant-operator';
export const PART_OF = 'contextweaver';

export const tenantLabels = (slug: string): Record<string, string> => ({
  [LABEL_TENANT]: slug,
  [LABEL_MANAGED_BY]: MANAGED_BY,
  'app.kubernetes.io/part-of': PART_OF,
});

/** Immutable once a Deployment exists: never add tenant-varying values here. */
export const selectorLabels = (name: string): Record<string, string> => ({ 'app.kubernetes.io/name': name });

export const workloadLabels = (
  slug: string,
  name: string,
  component: 'cerebro' | 'mcp-engine',
): Record<string, string> => ({
  ...tenantLabels(slug),
  ...selectorLabels(name),
  'app.kubernetes.io/component': component,
});

/** Label selector matching every object the operator manages for one tenant. */
export const tenantSelector = (slug: string): string =>
  `${LABEL_TENANT}=${slug},${LABEL_MANAGED_BY}=${MANAGED_BY}`;
/** Label selector matching every object the operator manages, for all tenants. */
export const managedSelector = (): string => `${LABEL_TENANT},${LABEL_MANAGED_BY}=${MANAGED_BY}`;
