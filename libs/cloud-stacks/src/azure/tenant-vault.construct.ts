import { Construct } from 'constructs';
import { KeyVault } from '@cdktf/provider-azurerm/lib/key-vault/index.js';
import type { AzurePlatformConfig } from '../core/platform-config.js';
import type { TenantContext } from '../core/tenant-context.js';
import { keyVaultUri, ROLES } from './ids.js';
import { AzurePrivateEndpoint } from './private-endpoint.construct.js';
import type { AzureWorkloadIdentity } from './workload-identity.construct.js';

export interface AzureTenantVaultProps {
  readonly tenant: TenantContext;
  readonly config: AzurePlatformConfig;
  readonly name: string;
  readonly resourceGroupName: string;
}

/**
 * The tenant's own Key Vault: RBAC mode (no access policies), purge protection, and a private
 * endpoint with public access off when the platform has a private-endpoint subnet. Secrets are
 * added by people or pipelines with their own rights; the tenant identity only reads them.
 */
export class AzureTenantVault extends Construct {
  readonly vault: KeyVault;
  readonly uri: string;

  constructor(scope: Construct, id: string, props: AzureTenantVaultProps) {
    super(scope, id);
    const { config, tenant } = props;
    const privateEndpoints = config.azure.privateEndpoints;
    this.vault = new KeyVault(this, 'vault', {
      name: props.name,
      location: config.region,
      resourceGroupName: props.resourceGroupName,
      tenantId: config.azure.tenantId,
      skuName: tenant.isolation === 'dedicated' ? 'premium' : 'standard',
      rbacAuthorizationEnabled: true,
      purgeProtectionEnabled: true,
      softDeleteRetentionDays: 90,
      publicNetworkAccessEnabled: !privateEndpoints,
      ...(privateEndpoints && { networkAcls: { bypass: 'AzureServices', defaultAction: 'Deny' } }),
      tags: { ...tenant.tags },
    });
    this.uri = keyVaultUri(props.name);
    if (privateEndpoints) {
      new AzurePrivateEndpoint(this, 'private-endpoint', {
        name: props.name,
        location: config.region,
        resourceGroupName: props.resourceGroupName,
        subnetId: privateEndpoints.subnetId,
        resourceId: this.vault.id,
        subresource: 'vault',
        dnsZoneId: privateEndpoints.dnsZoneIds.vault,
        tags: tenant.tags,
      });
    }
  }

  grantRead(identity: AzureWorkloadIdentity): void {
    identity.grant(this.vault.id, ROLES.keyVaultSecretsUser);
  }
}
