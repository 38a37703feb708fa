/**
 * Which tenant-store adapter a workload opens, and with what. The operator renders this into each
 * workload's config; @cw/tenant-store's `openTenantStore` reads only this (never a code branch).
 * No field carries a secret: a PostgreSQL URL is a mounted file, clouds use workload identity.
 */
import { z } from 'zod';
import type { Tenant } from '../schema.js';

const text = (max: number) => z.string().min(1).max(max);

/** Where mounted vault secrets appear in a pod (mirrors SECRETS_DIR of @cw/k8s-charts). */
export const STORE_SECRETS_DIR = '/var/run/secrets/contextweaver';
/** Vault secret holding the PostgreSQL URL of a tenant on a Postgres-backed (local) platform. */
export const STORE_DATABASE_URL_SECRET = 'database-url';
/** PGlite data directory of a local tenant's workload (a declared emptyDir or a local folder). */
export const STORE_PGLITE_DIR = '/var/lib/contextweaver/store';
/** Cosmos DB container the tenant stack creates in every tenant database (partition key /pk). */
export const STORE_COSMOS_CONTAINER = 'documents';

export const storeAdapterConfigSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('memory') }).describe('In-process, lost on restart (tests, demos).'),
    z
      .strictObject({
        kind: z.literal('pglite'),
        dataDir: text(1024).describe('PGlite data directory; "memory://" keeps it in memory.'),
      })
      .describe('Embedded PostgreSQL (PGlite) for `npm start`; one process per data directory.'),
    z
      .strictObject({
        kind: z.literal('postgres'),
        urlFile: text(1024).describe('File holding the postgres:// URL (a mounted secret).'),
        schema: text(63)
          .regex(/^[a-z_][a-z0-9_-]*$/, { message: 'must be a lowercase schema name' })
          .optional()
          .describe(
            'Schema of the tenant; default tenant_<slug> (one schema per tenant on a shared server).',
          ),
      })
      .describe('PostgreSQL: a schema per tenant (shared) or a database of its own (dedicated).'),
    z
      .strictObject({
        kind: z.literal('cosmos'),
        endpoint: z.url().max(2048).describe('Cosmos DB account URI.'),
        database: text(255).describe('SQL database of the tenant.'),
        container: text(255).optional().describe(`Container; default "${STORE_COSMOS_CONTAINER}".`),
      })
      .describe('Azure Cosmos DB by workload identity; partition key = tenant + collection + partition.'),
    z
      .strictObject({
        kind: z.literal('dynamodb'),
        region: text(40).describe('AWS region.'),
        table: text(255).describe('Shared table (shared) or the tenant table (dedicated).'),
        keyPrefix: text(64).describe('Leading-key prefix `<slug>#` the IAM policy grants.'),
        endpoint: z.url().max(2048).optional().describe('Endpoint override (tests, VPC endpoints).'),
      })
      .describe('Amazon DynamoDB by IRSA; items keyed pk=<prefix><collection>#<partition>, sk=<id>.'),
    z
      .strictObject({
        kind: z.literal('firestore'),
        projectId: text(255).describe('GCP project.'),
        databaseId: text(255).describe('Firestore database id.'),
        collectionPrefix: text(64).describe('Prefix `<slug>_` of the tenant collections.'),
      })
      .describe('Google Firestore by Workload Identity.'),
  ])
  .describe('Tenant data store adapter.');

export type StoreAdapterConfig = z.output<typeof storeAdapterConfigSchema>;
export type StoreAdapterKind = StoreAdapterConfig['kind'];

export class StoreAdapterBindingError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'StoreAdapterBindingError';
  }
}

/**
 * The store a tenant's workloads use, from its cloud and `spec.bindings.database` (filled by the
 * provisioner from the tenant stack outputs). Throws StoreAdapterBindingError naming the field.
 */
export function storeAdapterFromTenant(tenant: Pick<Tenant, 'metadata' | 'spec'>): StoreAdapterConfig {
  const slug = tenant.metadata.name;
  const { cloud, bindings } = tenant.spec;
  const db = bindings.database;
  if (cloud.provider === 'local') {
    if (db && /^postgres(ql)?:/.test(db.endpoint)) {
      return {
        kind: 'postgres',
        urlFile: `${STORE_SECRETS_DIR}/${STORE_DATABASE_URL_SECRET}`,
        ...(db.name !== '' && { schema: db.name }),
      };
    }
    return { kind: 'pglite', dataDir: STORE_PGLITE_DIR };
  }
  if (!db) {
    throw new StoreAdapterBindingError(
      'spec.bindings.database',
      `is required on ${cloud.provider} (filled by the provisioner from the tenant stack)`,
    );
  }
  switch (cloud.provider) {
    case 'azure':
      return { kind: 'cosmos', endpoint: db.endpoint, database: db.name };
    case 'aws':
      return {
        kind: 'dynamodb',
        region: cloud.region,
        table: db.name,
        keyPrefix: `${slug}#`,
        ...(!/^https:\/\/dynamodb\.[a-z0-9-]+\.amazonaws\.com\/?$/.test(db.endpoint) && {
          endpoint: db.endpoint,
        }),
      };
    case 'gcp': {
      const m = /^projects\/([^/]+)\/databases\/([^/]+)$/.exec(db.endpoint);
      if (!m) {
        throw new StoreAdapterBindingError(
          'spec.bindings.database.endpoint',
          'must be "projects/<project>/databases/<database>" on gcp',
        );
      }
      return {
        kind: 'firestore',
        projectId: m[1] as string,
        databaseId: m[2] as string,
        collectionPrefix: `${slug}_`,
      };
    }
  }
}
