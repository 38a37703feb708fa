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

/** The namespace a tenant's workloads live in. */
export const tenantNamespace = (slug: string): string => `tenant-${slug}`;

/** Default images; the registry is platform configuration, the tag is pinned per release. */
export const DEFAULT_CEREBRO_IMAGE = 'registry.contextweaver.io/cerebro:0.1.0';
export const DEFAULT_ENGINE_IMAGE = 'registry.contextweaver.io/mcp-engine:0.1.0';
