/**
 * Azure tenant stack: resource group, Key Vault, Cosmos DB database, AI Search access and a
 * workload identity granted exactly those resources.
 */
import type { TerraformStack } from 'cdktf';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider/index.js';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group/index.js';
import { OUTPUTS } from '../core/bindings.js';
import { cloudName } from '../core/naming.js';
import { addBindingOutputs } from '../core/outputs.js';
import type { AzurePlatformConfig } from '../core/platform-config.js';
import type { TenantContext } from '../core/tenant-context.js';
import { AzureTenantDatabase } from './tenant-database.construct.js';
import { AzureTenantSearch } from './tenant-search.construct.js';
import { AzureTenantVault } from './tenant-vault.construct.js';
import { AzureWorkloadIdentity } from './workload-identity.construct.js';

/** Deterministic names of an Azure tenant's resources. */
export function azureTenantNames(tenant: TenantContext, config: AzurePlatformConfig) {
  const p = config.prefix;
  return {
    resourceGroup: cloudName('azureResourceGroup', 'rg', p, tenant.slug),
    keyVault: cloudName('azureKeyVault', 'kv', p, tenant.slug),
    identity: cloudName('azureManagedIdentity', 'id', p, tenant.slug),
    cosmosAccount: cloudName('azureCosmosAccount', 'cosmos', p, tenant.slug),
    database: `tenant-${tenant.slug}`,
    searchService: cloudName('azureSearchService', 'srch', p, tenant.slug),
  };
}

export function buildAzureTenantStack(
  stack: TerraformStack,
  tenant: TenantContext,
  config: AzurePlatformConfig,
  issuer: string,
): void {
  const names = azureTenantNames(tenant, config);
  new AzurermProvider(stack, 'azurerm', {
    features: [{ keyVault: [{ purgeSoftDeleteOnDestroy: false, recoverSoftDeletedKeyVaults: true }] }],
    subscriptionId: config.azure.subscriptionId,
    tenantId: config.azure.tenantId,
    // The platform registers resource providers once; a tenant apply should not need that right.
    resourceProviderRegistrations: 'none',
  });
  const group = new ResourceGroup(stack, 'resource-group', {
    name: names.resourceGroup,
    location: config.region,
    tags: { ...tenant.tags },
  });

  const identity = new AzureWorkloadIdentity(stack, 'identity', {
    tenant,
    name: names.identity,
    location: config.region,
    resourceGroupName: group.name,
    issuer,
  });
  const vault = new AzureTenantVault(stack, 'vault', {
    tenant,
    config,
    name: names.keyVault,
    resourceGroupName: group.name,
  });
  const database = new AzureTenantDatabase(stack, 'database', {
    tenant,
    config,
    databaseName: names.database,
    dedicatedAccountName: names.cosmosAccount,
    resourceGroupName: group.name,
  });
  const search = new AzureTenantSearch(stack, 'search', {
    tenant,
    config,
    dedicatedServiceName: names.searchService,
    resourceGroupName: group.name,
  });
  vault.grantRead(identity);
  database.grantReadWrite(identity);
  search.grantReadWrite(identity);

  addBindingOutputs(stack, config, {
    [OUTPUTS.vaultUri]: vault.uri,
    [OUTPUTS.databaseEndpoint]: database.endpoint,
    [OUTPUTS.databaseName]: database.databaseName,
    [OUTPUTS.searchEndpoint]: search.endpoint,
    [OUTPUTS.searchIndex]: search.indexPrefix,
    [OUTPUTS.identityClientId]: identity.clientId,
  });
}
