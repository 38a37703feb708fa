export * from './port.js';
export * from './errors.js';
export { MemoryTenantStore } from './memory/memory.store.js';
export { openTenantStore } from './open-store.js';
export type { RecordBackend, RawRecord } from './core/record-backend.js';
export { PostgresTenantStore, type PostgresStoreOptions } from './postgres/postgres.store.js';
export { pgPoolClient, pgliteClient, type SqlClient } from './postgres/sql-client.js';
export { CosmosTenantStore, cosmosWorkloadClient, type CosmosStoreOptions } from './cosmos/cosmos.store.js';
// DynamoDB (its SDK loads at import): `@cw/tenant-store/dynamodb`, so the main entry stays light.
export {
  FirestoreTenantStore,
  firestoreClient,
  firestoreCollectionPrefix,
  type FirestoreStoreOptions,
} from './firestore/firestore.store.js';
