import { Construct } from 'constructs';
import { CognitiveAccount } from '@cdktf/provider-azurerm/lib/cognitive-account/index.js';
import { CognitiveDeployment } from '@cdktf/provider-azurerm/lib/cognitive-deployment/index.js';
import { CosmosdbAccount } from '@cdktf/provider-azurerm/lib/cosmosdb-account/index.js';
import { DnsZone } from '@cdktf/provider-azurerm/lib/dns-zone/index.js';
import { FederatedIdentityCredential } from '@cdktf/provider-azurerm/lib/federated-identity-credential/index.js';
import { KeyVault } from '@cdktf/provider-azurerm/lib/key-vault/index.js';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment/index.js';
import { SearchService } from '@cdktf/provider-azurerm/lib/search-service/index.js';
import { UserAssignedIdentity } from '@cdktf/provider-azurerm/lib/user-assigned-identity/index.js';
import { cloudName } from '../core/naming.js';
import type { AzurePlatformConfig } from '../core/platform-config.js';
import {
  DEFAULT_LLM_MODEL,
  PLATFORM_NAMESPACE,
  PROVISIONER_SERVICE_ACCOUNT,
} from '../core/platform-context.js';
import { AZURE_TOKEN_AUDIENCE, ROLES } from './ids.js';
import type { AzurePlatformCluster } from './platform-cluster.construct.js';
import type { AzurePlatformNetwork } from './platform-network.construct.js';
import { AzurePrivateEndpoint } from './private-endpoint.construct.js';

export interface AzurePlatformServicesProps {
  readonly config: AzurePlatformConfig;
  readonly resourceGroupName: string;
  readonly network: AzurePlatformNetwork;
  readonly cluster: AzurePlatformCluster;
  readonly tags: Record<string, string>;
}

/** Pinned Azure OpenAI model version of the default deployment. */
export const AZURE_OPENAI_MODEL_VERSION = '2024-11-20';

/**
 * The shared services tenants slice: Cosmos DB account (serverless, keys off), AI Search,
 * Azure OpenAI with one deployment, the platform Key Vault, the public DNS zone, and the
 * provisioner's identity (federated with cw-system/provisioner, reading the platform vault).
 * Data services are reachable through private endpoints only.
 */
export class AzurePlatformServices extends Construct {
  readonly cosmos: CosmosdbAccount;
  readonly search: SearchService;
  readonly openai: CognitiveAccount;
  readonly vault: KeyVault;
  readonly dnsZone: DnsZone;
  readonly provisioner: UserAssignedIdentity;

  constructor(scope: Construct, id: string, props: AzurePlatformServicesProps) {
    super(scope, id);
    const { config, resourceGroupName, network, tags } = props;
    const location = config.region;
    const endpoint = (
      name: string,
      resourceId: string,
      subresource: 'vault' | 'Sql' | 'searchService',
      zone: keyof typeof network.dnsZones,
    ) =>
      new AzurePrivateEndpoint(this, `private-endpoint-${zone}`, {
        name,
        location,
        resourceGroupName,
        subnetId: network.endpointSubnet.id,
        resourceId,
        subresource,
        dnsZoneId: network.dnsZones[zone].id,
        tags,
      });

    this.cosmos = new CosmosdbAccount(this, 'cosmos', {
      name: config.azure.cosmosAccountName,
      location,
      resourceGroupName,
      offerType: 'Standard',
      kind: 'GlobalDocumentDB',
      consistencyPolicy: { consistencyLevel: 'Session' },
      geoLocation: [{ location, failoverPriority: 0 }],
      capabilities: [{ name: 'EnableServerless' }],
      localAuthenticationDisabled: true,
      publicNetworkAccessEnabled: false,
      minimalTlsVersion: 'Tls12',
      tags,
    });
    endpoint(config.azure.cosmosAccountName, this.cosmos.id, 'Sql', 'cosmos');

    this.search = new SearchService(this, 'search', {
      name: config.azure.searchServiceName,
      location,
      resourceGroupName,
      sku: 'standard',
      localAuthenticationEnabled: false,
      publicNetworkAccessEnabled: false,
      tags,
    });
    endpoint(config.azure.searchServiceName, this.search.id, 'searchService', 'search');

    const openaiName = cloudName('azureOpenAi', 'oai', config.prefix, config.region);
    this.openai = new CognitiveAccount(this, 'openai', {
      name: openaiName,
      customSubdomainName: openaiName,
      kind: 'OpenAI',
      skuName: 'S0',
      location,
      resourceGroupName,
      localAuthEnabled: false,
      tags,
    });
    const model = config.llm?.deployment ?? DEFAULT_LLM_MODEL.azure;
    new CognitiveDeployment(this, 'openai-deployment', {
      name: model,
      cognitiveAccountId: this.openai.id,
      model: { format: 'OpenAI', name: model, version: AZURE_OPENAI_MODEL_VERSION },
      sku: { name: 'GlobalStandard', capacity: 50 },
    });

    const vaultName = cloudName('azureKeyVault', 'kv', config.prefix, 'platform');
    this.vault = new KeyVault(this, 'vault', {
      name: vaultName,
      location,
      resourceGroupName,
      tenantId: config.azure.tenantId,
      skuName: 'standard',
      rbacAuthorizationEnabled: true,
      purgeProtectionEnabled: true,
      publicNetworkAccessEnabled: false,
      networkAcls: { bypass: 'AzureServices', defaultAction: 'Deny' },
      tags,
    });
    endpoint(vaultName, this.vault.id, 'vault', 'vault');

    this.dnsZone = new DnsZone(this, 'dns-zone', { name: config.dns.zone, resourceGroupName, tags });

    this.provisioner = new UserAssignedIdentity(this, 'provisioner', {
      name: cloudName('azureManagedIdentity', 'id', config.prefix, PROVISIONER_SERVICE_ACCOUNT),
      location,
      resourceGroupName,
      tags,
    });
    new FederatedIdentityCredential(this, 'provisioner-federation', {
      name: PROVISIONER_SERVICE_ACCOUNT,
      resourceGroupName,
      parentId: this.provisioner.id,
      issuer: props.cluster.cluster.oidcIssuerUrl,
      audience: [AZURE_TOKEN_AUDIENCE],
      subject: `system:serviceaccount:${PLATFORM_NAMESPACE}:${PROVISIONER_SERVICE_ACCOUNT}`,
    });
    new RoleAssignment(this, 'provisioner-vault-read', {
      scope: this.vault.id,
      roleDefinitionName: ROLES.keyVaultSecretsUser,
      principalId: this.provisioner.principalId,
      principalType: 'ServicePrincipal',
      skipServicePrincipalAadCheck: true,
    });
  }
}
