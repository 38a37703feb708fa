/**
 * The only place an adapter is chosen: from the workload's StoreAdapterConfig (rendered by the
 * operator from the Tenant's bindings), never from a branch in a use case. The cloud adapters are
 * imported only when a config chooses them, so a PostgreSQL/PGlite workload does not load the AWS,
 * Azure or Google SDKs at start-up.
 */
import { storeAdapterConfigSchema, type StoreAdapterConfig } from '@cw/tenant-model';
import { StoreInputError } from './errors.js';
import { requireTenant } from './core/backed-store.js';
import { MemoryTenantStore } from './memory/memory.store.js';
import type { TenantStore } from './port.js';
import { PostgresTenantStore } from './postgres/postgres.store.js';
import { pgPoolClient, pgliteClient, readUrlFile } from './postgres/sql-client.js';

export interface OpenTenantStoreOptions {
  tenant: string;
  /** Where mounted secrets live; a relative `urlFile` is read from here. */
  secretsDir?: string;
}

export async function openTenantStore(
  config: StoreAdapterConfig,
  opts: OpenTenantStoreOptions,
): Promise<TenantStore> {
  const tenant = requireTenant(opts?.tenant);
  const parsed = storeAdapterConfigSchema.safeParse(config);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StoreInputError(
      ['config', ...(issue?.path ?? []).map(String)].join('.'),
      issue?.message ?? 'invalid',
    );
  }
  const c = parsed.data;
  switch (c.kind) {
    case 'memory':
      return new MemoryTenantStore(tenant);
    case 'pglite':
      return new PostgresTenantStore({ tenant, client: await pgliteClient(c.dataDir), ownsClient: true });
    case 'postgres': {
      const url = await readUrlFile(c.urlFile, opts.secretsDir);
      return new PostgresTenantStore({
        tenant,
        client: await pgPoolClient(url),
        ownsClient: true,
        ...(c.schema !== undefined && { schema: c.schema }),
      });
    }
    case 'cosmos': {
      const { CosmosTenantStore, cosmosWorkloadClient } = await import('./cosmos/cosmos.store.js');
      return new CosmosTenantStore({
        tenant,
        client: await cosmosWorkloadClient(c.endpoint),
        database: c.database,
        ...(c.container !== undefined && { container: c.container }),
      });
    }
    case 'dynamodb': {
      const { DynamoTenantStore, dynamoDocumentClient } = await import('./dynamodb/dynamodb.store.js');
      return new DynamoTenantStore({
        tenant,
        client: await dynamoDocumentClient(c.region, c.endpoint),
        table: c.table,
        keyPrefix: c.keyPrefix,
      });
    }
    case 'firestore': {
      const { FirestoreTenantStore, firestoreClient } = await import('./firestore/firestore.store.js');
      return new FirestoreTenantStore({
        tenant,
        client: await firestoreClient(c.projectId, c.databaseId),
        collectionPrefix: c.collectionPrefix,
      });
    }
  }
}
