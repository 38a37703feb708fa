/** `@cw/tenant-store/dynamodb`: the DynamoDB adapter, outside the main entry because its SDK loads at import. */
export {
  DynamoTenantStore,
  dynamoDocumentClient,
  dynamoKeyPrefix,
  type DynamoStoreOptions,
} from './dynamodb/dynamodb.store.js';
