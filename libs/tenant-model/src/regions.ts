/** Cloud providers a tenant can run on, and the regions the platform operates in for each. */
export const CLOUD_PROVIDERS = ['azure', 'aws', 'gcp', 'local'] as const;
export type CloudProvider = (typeof CLOUD_PROVIDERS)[number];

export const REGIONS: Readonly<Record<CloudProvider, readonly string[]>> = {
  azure: [
    'eastus',
    'eastus2',
    'centralus',
    'westus2',
    'westus3',
    'canadacentral',
    'northeurope',
    'westeurope',
    'uksouth',
    'francecentral',
    'germanywestcentral',
    'swedencentral',
    'switzerlandnorth',
    'australiaeast',
    'japaneast',
    'southeastasia',
  ],
  aws: [
    'us-east-1',
    'us-east-2',
    'us-west-2',
    'ca-central-1',
    'eu-west-1',
    'eu-west-2',
    'eu-central-1',
    'eu-north-1',
    'ap-southeast-1',
    'ap-southeast-2',
    'ap-northeast-1',
    'ap-south-1',
  ],
  gcp: [
    'us-central1',
    'us-east1',
    'us-east4',
    'us-west1',
    'northamerica-northeast1',
    'europe-west1',
    'europe-west2',
    'europe-west3',
    'europe-west4',
    'europe-north1',
    'asia-southeast1',
    'asia-northeast1',
    'australia-southeast1',
  ],
  local: ['local'],
};

export const isCloudProvider = (value: unknown): value is CloudProvider =>
  typeof value === 'string' && (CLOUD_PROVIDERS as readonly string[]).includes(value);

export const isRegionOf = (provider: CloudProvider, region: string): boolean =>
  REGIONS[provider].includes(region);

/** Every region of every cloud, for the CRD's structural pattern (per-cloud checks happen in validation). */
export const ALL_REGIONS: readonly string[] = [...new Set(Object.values(REGIONS).flat())].sort();
