import { Construct } from 'constructs';
import { CosmosdbAccount } from '@cdktf/provider-azurerm/lib/cosmosdb-account/index.js';
import { CosmosdbSqlContainer } from '@cdktf/provider-azurerm/lib/cosmosdb-sql-container/index.js';
import { CosmosdbSqlDatabase } from '@cdktf/provider-azurerm/lib/cosmosdb-sql-database/index.js';
import { CosmosdbSqlRoleAssignment } from '@cdktf/provider-azurerm/lib/cosmosdb-sql-role-assignment/index.js';
import type { AzurePlatformConfig } from '../core/platform-config.js';
import { TENANT_DATA_SETS, type TenantContext } from '../core/tenant-context.js';
import { COSMOS_DATA_CONTRIBUTOR, cosmosEndpoint, sharedCosmosAccountId } from './ids.js';
import { AzurePrivateEndpoint } from './private-endpoint.construct.js';
import type { AzureWorkloadIdentity } from './workload-identity.construct.js';

export interface AzureTenantDatabaseProps {
  readonly tenant: TenantContext;
  readonly config: AzurePlatformConfig;
  /** SQL database name of the tenant. */
  readonly databaseName: string;
  /** Account name when the tenant is dedicated. */
  readonly dedicatedAccountName: string;
  /** Resource group of tenant-owned resources. */
  readonly resourceGroupName: string;
}

/**
 * A Cosmos DB SQL database with the tenant's containers: in the platform's shared account
 * (shared), or in an account of its own (dedicated; serverless, keys disabled). Access is a
 * data-plane role assignment scoped to the tenant's database, never the account.
 */
export class AzureTenantDatabase extends Construct {
  readonly endpoint: string;
  readonly databaseName: string;
  private readonly accountId: string;
  private readonly accountName: string;
  private readonly accountResourceGroup: string;
  private readonly database: CosmosdbSqlDatabase;

  constructor(scope: Construct, id: string, props: AzureTenantDatabaseProps) {
    super(scope, id);
    const { config, tenant } = props;
    this.databaseName = props.databaseName;
    if (tenant.isolation === 'dedicated') {
      const privateEndpoints = config.azure.privateEndpoints;
      const account = new CosmosdbAccount(this, 'account', {
        name: props.dedicatedAccountName,
        location: config.region,
        resourceGroupName: props.resourceGroupName,
        offerType: 'Standard',
        kind: 'GlobalDocumentDB',
        consistencyPolicy: { consistencyLevel: 'Session' },
        geoLocation: [{ location: config.region, failoverPriority: 0 }],
        capabilities: [{ name: 'EnableServerless' }],
        localAuthenticationDisabled: true,
        publicNetworkAccessEnabled: !privateEndpoints,
        minimalTlsVersion: 'Tls12',
        tags: { ...tenant.tags },
      });
      if (privateEndpoints) {
        new AzurePrivateEndpoint(this, 'private-endpoint', {
          name: props.dedicatedAccountName,
          location: config.region,
          resourceGroupName: props.resourceGroupName,
          subnetId: privateEndpoints.subnetId,
          resourceId: account.id,
          subresource: 'Sql',
          dnsZoneId: privateEndpoints.dnsZoneIds.cosmos,
          tags: tenant.tags,
        });
      }
      this.accountId = account.id;
      this.accountName = account.name;
      this.accountResourceGroup = props.resourceGroupName;
      this.endpoint = cosmosEndpoint(props.dedicatedAccountName);
    } else {
      this.accountId = sharedCosmosAccountId(config);
      this.accountName = config.azure.cosmosAccountName;
      this.accountResourceGroup = config.azure.resourceGroupName;
      this.endpoint = cosmosEndpoint(config.azure.cosmosAccountName);
    }
    this.database = new CosmosdbSqlDatabase(this, 'database', {
      name: props.databaseName,
      accountName: this.accountName,
      resourceGroupName: this.accountResourceGroup,
    });
    for (const dataSet of TENANT_DATA_SETS) {
      new CosmosdbSqlContainer(this, `container-${dataSet.name}`, {
        name: dataSet.name,
        accountName: this.accountName,
        resourceGroupName: this.accountResourceGroup,
        databaseName: this.database.name,
        partitionKeyPaths: ['/pk'],
        partitionKeyVersion: 2,
        ...(dataSet.ttlSeconds !== undefined && { defaultTtl: dataSet.ttlSeconds }),
      });
    }
  }

  /** Read/write on the tenant's database only (Cosmos DB Built-in Data Contributor at /dbs/<name>). */
  grantReadWrite(identity: AzureWorkloadIdentity): void {
    new CosmosdbSqlRoleAssignment(this, 'data-contributor', {
      accountName: this.accountName,
      resourceGroupName: this.accountResourceGroup,
      roleDefinitionId: `${this.accountId}/sqlRoleDefinitions/${COSMOS_DATA_CONTRIBUTOR}`,
      scope: `${this.accountId}/dbs/${this.databaseName}`,
      principalId: identity.principalId,
      dependsOn: [this.database],
    });
  }
}
