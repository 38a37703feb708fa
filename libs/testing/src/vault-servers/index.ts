export { ServiceAccountTokens } from './service-account-tokens.js';
export type { RecordedCall } from './http-util.js';
export * from './hashicorp-vault.server.js';
export * from './aws-secrets-manager.server.js';
export * from './gcp-secret-manager.server.js';
export * from './azure-key-vault.server.js';
