/**
 * ARM resource ids of shared platform resources, derived from platform.yaml rather than looked
 * up with data sources: a plan needs no read access to them, and the ids (and so the role
 * assignment scopes) are visible in the synthesized JSON for review.
 */
import type { AzurePlatformConfig } from '../core/platform-config.js';

export const resourceGroupId = (c: AzurePlatformConfig, resourceGroup: string): string =>
  `/subscriptions/${c.azure.subscriptionId}/resourceGroups/${resourceGroup}`;

export const sharedCosmosAccountId = (c: AzurePlatformConfig): string =>
  `${resourceGroupId(c, c.azure.resourceGroupName)}/providers/Microsoft.DocumentDB/databaseAccounts/${c.azure.cosmosAccountName}`;

export const sharedSearchServiceId = (c: AzurePlatformConfig): string =>
  `${resourceGroupId(c, c.azure.resourceGroupName)}/providers/Microsoft.Search/searchServices/${c.azure.searchServiceName}`;

export const cosmosEndpoint = (account: string): string => `https://${account}.documents.azure.com:443/`;
export const searchEndpoint = (service: string): string => `https://${service}.search.windows.net`;
export const keyVaultUri = (vault: string): string => `https://${vault}.vault.azure.net/`;

/** Built-in Cosmos DB data-plane role "Cosmos DB Built-in Data Contributor". */
export const COSMOS_DATA_CONTRIBUTOR = '00000000-0000-0000-0000-000000000002';

/** Built-in Azure roles, by name (azurerm resolves the definition id in the scope's subscription). */
export const ROLES = {
  keyVaultSecretsUser: 'Key Vault Secrets User',
  searchIndexDataContributor: 'Search Index Data Contributor',
  searchServiceContributor: 'Search Service Contributor',
} as const;

/** Audience of Azure AD workload identity federation tokens. */
export const AZURE_TOKEN_AUDIENCE = 'api://AzureADTokenExchange';
