/**
 * What every tenant construct needs to know about the tenant, computed once from the Tenant:
 * slug, plan, isolation, the Kubernetes subjects its workload identity trusts, and the tags.
 */
import { tenantNamespace, type IsolationModel, type PlanName, type Tenant } from '@cw/tenant-model';

/**
 * The ServiceAccounts the tenant operator creates in `tenant-<slug>`: cerebro and the MCP engines.
 * Only these may assume the tenant's cloud identity.
 */
export const TENANT_SERVICE_ACCOUNTS = ['cerebro', 'mcp-engine'] as const;
export type TenantServiceAccount = (typeof TENANT_SERVICE_ACCOUNTS)[number];

/** The `sub` claim of a projected ServiceAccount token: what federated credentials and trust policies match. */
export const serviceAccountSubject = (slug: string, serviceAccount: string): string =>
  `system:serviceaccount:${tenantNamespace(slug)}:${serviceAccount}`;

/** Data sets of a tenant: Cosmos DB containers, Firestore collection suffixes, DynamoDB key prefixes. */
export const TENANT_DATA_SETS = [
  { name: 'documents', ttlSeconds: undefined },
  { name: 'sessions', ttlSeconds: 86_400 },
  { name: 'audit', ttlSeconds: undefined },
] as const;

/** Search indexes of a tenant, named `<slug>-<suffix>` where a cloud scopes access per index (Azure). */
export const TENANT_SEARCH_INDEXES = ['documents', 'memory'] as const;

/** Tag/label keys on every tenant resource. Plain keys: Azure tag names and GCP label keys allow no "/" or ".". */
export const TAG_TENANT = 'tenant';
export const TAG_PLAN = 'plan';
export const TAG_MANAGED_BY = 'managed-by';
export const MANAGED_BY = 'contextweaver';

export interface TenantContext {
  readonly slug: string;
  readonly plan: PlanName;
  readonly isolation: IsolationModel;
  /** `tenant-<slug>` */
  readonly namespace: string;
  /** One `system:serviceaccount:tenant-<slug>:<sa>` per TENANT_SERVICE_ACCOUNTS entry. */
  readonly subjects: readonly string[];
  /** tenant, plan, managed-by (plus the platform's extra tags). Valid as Azure tags, AWS tags and GCP labels. */
  readonly tags: Readonly<Record<string, string>>;
  /** Vault keys the Tenant refers to (spec.identity.clientSecretRef.key): created as empty secrets where the cloud allows. */
  readonly secretKeys: readonly string[];
}

export function tenantContext(
  tenant: Tenant,
  extraTags: Readonly<Record<string, string>> = {},
): TenantContext {
  const slug = tenant.metadata.name;
  const secretKey = tenant.spec.identity?.clientSecretRef?.key;
  return {
    slug,
    plan: tenant.spec.plan,
    isolation: tenant.spec.isolation,
    namespace: tenantNamespace(slug),
    subjects: TENANT_SERVICE_ACCOUNTS.map((sa) => serviceAccountSubject(slug, sa)),
    tags: { ...extraTags, [TAG_TENANT]: slug, [TAG_PLAN]: tenant.spec.plan, [TAG_MANAGED_BY]: MANAGED_BY },
    secretKeys: secretKey ? [secretKey] : [],
  };
}
