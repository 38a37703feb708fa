/**
 * Built-in platform configurations, used when `cw synth` gets no --platform: previews with
 * placeholder ids (all-zero subscription, account 123456789012, project cw-platform) that show
 * the shape of a stack. docs/clouds.md lists them; real installations pass their platform.yaml.
 */
import {
  parsePlatformConfig,
  type PlatformCloud,
  type PlatformConfig,
  type PlatformConfigInput,
} from './platform-config.js';

const ZERO_GUID = '00000000-0000-0000-0000-000000000000';

const DEFAULT_REGION: Record<PlatformCloud, string> = {
  azure: 'westeurope',
  aws: 'eu-west-1',
  gcp: 'europe-west1',
};

function defaultInput(cloud: PlatformCloud, region: string): PlatformConfigInput {
  switch (cloud) {
    case 'azure':
      return {
        cloud,
        region,
        cluster: { oidcIssuer: `https://${region}.oic.prod-aks.azure.com/${ZERO_GUID}/${ZERO_GUID}/` },
        state: {
          backend: 'azurerm',
          resourceGroupName: 'rg-cw-tfstate',
          storageAccountName: 'stcwtfstate',
          containerName: 'tfstate',
        },
        azure: {
          subscriptionId: ZERO_GUID,
          tenantId: ZERO_GUID,
          resourceGroupName: 'rg-cw-platform',
          cosmosAccountName: 'cosmos-cw-platform',
          searchServiceName: 'srch-cw-platform',
        },
      };
    case 'aws':
      return {
        cloud,
        region,
        cluster: {
          oidcIssuer: `https://oidc.eks.${region}.amazonaws.com/id/00000000000000000000000000000000`,
        },
        state: { backend: 's3', bucket: 'cw-tfstate-123456789012' },
        aws: {
          accountId: '123456789012',
          sharedTableName: 'cw-tenants',
          searchCollection: { name: 'cw-shared', id: '0000000000000000000000' },
        },
      };
    case 'gcp':
      return {
        cloud,
        region,
        cluster: {
          oidcIssuer: `https://container.googleapis.com/v1/projects/cw-platform/locations/${region}/clusters/cw-platform`,
        },
        state: { backend: 'gcs', bucket: 'cw-platform-tfstate' },
        gcp: { projectId: 'cw-platform', projectNumber: '000000000000', sharedDatabase: 'cw-shared' },
      };
  }
}

/** The built-in configuration of a cloud, serving `region` (default: westeurope, eu-west-1, europe-west1). */
export function defaultPlatformConfig<C extends PlatformCloud>(
  cloud: C,
  region?: string,
): Extract<PlatformConfig, { cloud: C }> {
  const config = parsePlatformConfig(
    defaultInput(cloud, region ?? DEFAULT_REGION[cloud]),
    `built-in ${cloud} platform defaults`,
  );
  return config as Extract<PlatformConfig, { cloud: C }>;
}
