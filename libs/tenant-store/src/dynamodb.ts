/** `@cw/tenant-store/dynamodb`: the DynamoDB adapter, outside the main entry because its SDK loads at import. */
export {
  DynamoTenantStore,
  dynamoDocumentClient,
  dynamoKeyPrefix,
  dynamoTableDefinition,
  type DynamoStoreOptions,
} from './dynamodb/dynamodb.store.js';
