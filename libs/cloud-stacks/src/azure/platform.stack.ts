/** Azure platform stack: network, AKS + ACR, shared data services, Azure OpenAI, vault, identity, DNS. */
import { TerraformOutput, type TerraformStack } from 'cdktf';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider/index.js';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group/index.js';
import type { AzurePlatformConfig } from '../core/platform-config.js';
import { platformTags } from '../core/platform-context.js';
import { AzurePlatformCluster } from './platform-cluster.construct.js';
import { AzurePlatformNetwork } from './platform-network.construct.js';
import { AzurePlatformServices } from './platform-services.construct.js';

export function buildAzurePlatformStack(stack: TerraformStack, config: AzurePlatformConfig): void {
  const tags = platformTags(config);
  new AzurermProvider(stack, 'azurerm', {
    features: [{}],
    subscriptionId: config.azure.subscriptionId,
    tenantId: config.azure.tenantId,
  });
  const group = new ResourceGroup(stack, 'resource-group', {
    name: config.azure.resourceGroupName,
    location: config.region,
    tags,
  });
  const resourceGroupName = group.name;
  const network = new AzurePlatformNetwork(stack, 'network', { config, resourceGroupName, tags });
  const cluster = new AzurePlatformCluster(stack, 'kubernetes', { config, resourceGroupName, network, tags });
  const services = new AzurePlatformServices(stack, 'services', {
    config,
    resourceGroupName,
    network,
    cluster,
    tags,
  });

  // What platform.yaml needs for tenant stacks, and what people need to finish the setup.
  const outputs: Record<string, string | string[]> = {
    oidc_issuer_url: cluster.cluster.oidcIssuerUrl,
    cluster_name: cluster.cluster.name,
    registry_login_server: cluster.registry.loginServer,
    cosmos_account_name: services.cosmos.name,
    search_service_name: services.search.name,
    llm_endpoint: services.openai.endpoint,
    platform_vault_uri: services.vault.vaultUri,
    private_endpoint_subnet_id: network.endpointSubnet.id,
    dns_name_servers: services.dnsZone.nameServers,
    provisioner_client_id: services.provisioner.clientId,
  };
  for (const [name, value] of Object.entries(outputs))
    new TerraformOutput(stack, name, { value }).overrideLogicalId(name);
}
