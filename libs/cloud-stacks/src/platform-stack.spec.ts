import { describe, expect, it } from 'vitest';
import { only, typesOf } from '../test/fixtures.js';
import { defaultPlatformConfig } from './core/platform-defaults.js';
import { synthesizePlatformStack } from './platform-stack.js';

/** The nine platform modules and, per cloud, a resource type that provides each. */
const MODULES = {
  azure: {
    kubernetes: 'azurerm_kubernetes_cluster',
    database: 'azurerm_cosmosdb_account',
    llm: 'azurerm_cognitive_deployment',
    search: 'azurerm_search_service',
    vault: 'azurerm_key_vault',
    registry: 'azurerm_container_registry',
    identity: 'azurerm_federated_identity_credential',
    networking: 'azurerm_private_endpoint',
    dns: 'azurerm_dns_zone',
  },
  aws: {
    kubernetes: 'aws_eks_cluster',
    database: 'aws_dynamodb_table',
    llm: 'aws_iam_policy',
    search: 'aws_opensearchserverless_collection',
    vault: 'aws_kms_key',
    registry: 'aws_ecr_repository',
    identity: 'aws_iam_openid_connect_provider',
    networking: 'aws_vpc',
    dns: 'aws_route53_zone',
  },
  gcp: {
    kubernetes: 'google_container_cluster',
    database: 'google_firestore_database',
    llm: 'google_project_service',
    search: 'google_project_service',
    vault: 'google_project_service',
    registry: 'google_artifact_registry_repository',
    identity: 'google_service_account_iam_member',
    networking: 'google_compute_subnetwork',
    dns: 'google_dns_managed_zone',
  },
} as const;

describe('platform stacks', () => {
  const stacks = {
    azure: synthesizePlatformStack(defaultPlatformConfig('azure')).json,
    aws: synthesizePlatformStack(defaultPlatformConfig('aws')).json,
    gcp: synthesizePlatformStack(defaultPlatformConfig('gcp')).json,
  };

  it.each(['azure', 'aws', 'gcp'] as const)('%s has all nine modules', (cloud) => {
    expect(Object.keys(MODULES[cloud])).toHaveLength(9);
    for (const type of Object.values(MODULES[cloud])) expect(typesOf(stacks[cloud])).toContain(type);
  });

  it('turns on the OIDC issuer and workload identity of every cluster, and outputs the issuer', () => {
    expect(only(stacks.azure, 'azurerm_kubernetes_cluster')).toMatchObject({
      oidc_issuer_enabled: true,
      workload_identity_enabled: true,
      local_account_disabled: true,
    });
    expect(only(stacks.aws, 'aws_iam_openid_connect_provider').client_id_list).toEqual(['sts.amazonaws.com']);
    expect(only(stacks.gcp, 'google_container_cluster').workload_identity_config).toEqual({
      workload_pool: 'cw-platform.svc.id.goog',
    });
    expect(
      (only(stacks.gcp, 'google_container_node_pool').node_config as Record<string, unknown>)
        .workload_metadata_config,
    ).toEqual({ mode: 'GKE_METADATA' });
    for (const json of Object.values(stacks)) expect(json.output).toHaveProperty('oidc_issuer_url');
  });

  it('enables the LLM, search and vault APIs on GCP', () => {
    const services = Object.values(stacks.gcp.resource?.google_project_service ?? {}).map((s) => s.service);
    expect(services).toEqual(
      expect.arrayContaining([
        'aiplatform.googleapis.com',
        'discoveryengine.googleapis.com',
        'secretmanager.googleapis.com',
      ]),
    );
  });

  it('configures the remote state backend of each cloud under "platform"', () => {
    expect(stacks.azure.terraform?.backend).toEqual({
      azurerm: {
        resource_group_name: 'rg-cw-tfstate',
        storage_account_name: 'stcwtfstate',
        container_name: 'tfstate',
        key: 'platform.tfstate',
        subscription_id: '00000000-0000-0000-0000-000000000000',
        use_azuread_auth: true,
      },
    });
    expect(stacks.aws.terraform?.backend).toEqual({
      s3: {
        bucket: 'cw-tfstate-123456789012',
        key: 'platform/terraform.tfstate',
        region: 'eu-west-1',
        encrypt: true,
        use_lockfile: true,
      },
    });
    expect(stacks.gcp.terraform?.backend).toEqual({
      gcs: { bucket: 'cw-platform-tfstate', prefix: 'platform' },
    });
  });

  it('keeps shared data services off the public network on Azure and AWS', () => {
    expect(only(stacks.azure, 'azurerm_cosmosdb_account')).toMatchObject({
      public_network_access_enabled: false,
      local_authentication_disabled: true,
    });
    expect(only(stacks.azure, 'azurerm_search_service')).toMatchObject({
      public_network_access_enabled: false,
      local_authentication_enabled: false,
    });
    const network = Object.values(stacks.aws.resource?.aws_opensearchserverless_security_policy ?? {}).find(
      (p) => p.type === 'network',
    );
    expect(JSON.parse(String(network?.policy))[0].AllowFromPublic).toBe(false);
  });
});
