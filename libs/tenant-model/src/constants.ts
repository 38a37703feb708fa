/** API coordinates of the Tenant resource. */
export const TENANT_GROUP = 'platform.contextweaver.io';
export const TENANT_VERSION = 'v1alpha1';
export const TENANT_API_VERSION = `${TENANT_GROUP}/${TENANT_VERSION}` as const;
export const TENANT_KIND = 'Tenant';
export const TENANT_PLURAL = 'tenants';
export const TENANT_SINGULAR = 'tenant';
export const TENANT_SHORT_NAMES = ['tn'] as const;
export const TENANT_CRD_NAME = `${TENANT_PLURAL}.${TENANT_GROUP}`;

/** Labels and annotations the platform puts on what it creates. */
export const LABEL_TENANT = `${TENANT_GROUP}/tenant`;
export const LABEL_PLAN = `${TENANT_GROUP}/plan`;
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const ANNOTATION_CORRELATION_ID = `${TENANT_GROUP}/correlation-id`;
export const FINALIZER = `${TENANT_GROUP}/finalizer`;
/**
 * Where the tenant's onboarding is counted from (checkout completed: the provision run's creation,
 * ISO time) and its trace (that run's correlation id). Set once by the provisioner on the first
 * provision and kept unchanged, so they never roll the pods; the chart hands them to the engines,
 * which record onboarding stage first_tool_call against them.
 */
export const ANNOTATION_ONBOARDING_SINCE = `${TENANT_GROUP}/onboarding-since`;
export const ANNOTATION_ONBOARDING_CORRELATION_ID = `${TENANT_GROUP}/onboarding-correlation-id`;

/** The namespace a tenant's workloads live in. */
export const tenantNamespace = (slug: string): string => `tenant-${slug}`;

/** Default images; the registry is platform configuration, the tag is pinned per release. */
export const DEFAULT_CEREBRO_IMAGE = 'registry.contextweaver.io/cerebro:0.1.0';
export const DEFAULT_ENGINE_IMAGE = 'registry.contextweaver.io/mcp-engine:0.1.0';
