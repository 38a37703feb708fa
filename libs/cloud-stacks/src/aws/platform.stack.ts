/** AWS platform stack: VPC, EKS + ECR, shared DynamoDB and OpenSearch Serverless, Bedrock access, KMS, IRSA, Route 53. */
import { TerraformOutput, type TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import type { AwsPlatformConfig } from '../core/platform-config.js';
import { platformTags } from '../core/platform-context.js';
import { AwsPlatformCluster } from './platform-cluster.construct.js';
import { AwsPlatformNetwork } from './platform-network.construct.js';
import { AwsPlatformServices, AwsPlatformVault } from './platform-services.construct.js';

export function buildAwsPlatformStack(stack: TerraformStack, config: AwsPlatformConfig): void {
  const tags = platformTags(config);
  new AwsProvider(stack, 'aws', { region: config.region, allowedAccountIds: [config.aws.accountId] });
  const vault = new AwsPlatformVault(stack, 'vault', { config, tags });
  const network = new AwsPlatformNetwork(stack, 'network', { config, tags });
  const cluster = new AwsPlatformCluster(stack, 'kubernetes', {
    config,
    network,
    kmsKeyArn: vault.key.arn,
    tags,
  });
  const services = new AwsPlatformServices(stack, 'services', {
    config,
    network,
    cluster,
    kmsKeyArn: vault.key.arn,
    tags,
  });

  const outputs: Record<string, string | string[]> = {
    oidc_issuer_url: cluster.issuer,
    cluster_name: cluster.cluster.name,
    registry_urls: cluster.repositories.map((r) => r.repositoryUrl),
    shared_table_name: services.table.name,
    search_collection_id: services.collection.id,
    search_collection_endpoint: services.collection.collectionEndpoint,
    search_vpc_endpoint_id: network.searchEndpoint.id,
    bedrock_invoke_policy_arn: services.bedrockPolicy.arn,
    platform_kms_key_arn: vault.key.arn,
    dns_name_servers: services.zone.nameServers,
    provisioner_role_arn: services.provisioner.arn,
  };
  for (const [name, value] of Object.entries(outputs))
    new TerraformOutput(stack, name, { value }).overrideLogicalId(name);
}
