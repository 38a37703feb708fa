/**
 * platform.yaml: what a platform installation on one cloud provides to tenant stacks (region,
 * cluster OIDC issuer, naming prefix, shared resources, state backend) and what the platform
 * stack builds. One zod schema; errors name the field (`azure.subscriptionId: must be a UUID`).
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { HOSTNAME_PATTERN, REGIONS, pathToString, type ValidationIssue } from '@cw/tenant-model';

export const PLATFORM_CLOUDS = ['azure', 'aws', 'gcp'] as const;
export type PlatformCloud = (typeof PLATFORM_CLOUDS)[number];
export const isPlatformCloud = (value: unknown): value is PlatformCloud =>
  typeof value === 'string' && (PLATFORM_CLOUDS as readonly string[]).includes(value);

const httpsUrl = (what: string) =>
  z.url({ protocol: /^https$/, message: 'must be an https URL' }).describe(what);
const name = (what: string, pattern = /^[a-zA-Z0-9][-\w.]*$/) =>
  z
    .string()
    .min(1)
    .max(255)
    .regex(pattern, { message: `must be a ${what}` })
    .describe(what);
const guid = (what: string) =>
  z.guid({ message: 'must be a UUID such as 00000000-0000-0000-0000-000000000000' }).describe(what);

const common = {
  region: z
    .string()
    .min(1)
    .describe('The region this platform serves; tenants of other regions need another platform.yaml.'),
  prefix: z
    .string()
    .regex(/^[a-z][a-z0-9]{1,5}$/, {
      message: 'must be 2-6 lowercase letters or digits, starting with a letter (e.g. "cw")',
    })
    .default('cw')
    .describe('Naming prefix of every resource.'),
  tags: z
    .record(z.string().regex(/^[a-z][-a-z0-9_]{0,62}$/), z.string().max(63))
    .default({})
    .describe('Extra tags on every resource.'),
  cluster: z
    .strictObject({
      name: name('cluster name').optional().describe('Kubernetes cluster name. Default: <prefix>-platform.'),
      oidcIssuer: httpsUrl(
        'OIDC issuer URL of the cluster (an output of the platform stack); tenant identities trust it.',
      ).optional(),
      kubernetesVersion: z
        .string()
        .regex(/^1\.\d+$/, { message: 'must be a minor version such as "1.33"' })
        .optional(),
      nodeCount: z.int().min(1).max(100).default(3),
      nodeSize: z
        .string()
        .min(1)
        .optional()
        .describe('VM size / instance type / machine type of the system node pool.'),
    })
    .default({ nodeCount: 3 }),
  network: z
    .strictObject({
      cidr: z.string().regex(/^\d+\.\d+\.\d+\.\d+\/(1[6-9]|2[0-2])$/, {
        message: 'must be an IPv4 CIDR from /16 to /22, e.g. "10.40.0.0/16"',
      }),
    })
    .default({ cidr: '10.40.0.0/16' }),
  dns: z
    .strictObject({
      zone: z
        .string()
        .regex(new RegExp(HOSTNAME_PATTERN), { message: 'must be a DNS name such as "contextweaver.app"' }),
    })
    .default({ zone: 'contextweaver.app' }),
  llm: z
    .strictObject({
      endpoint: httpsUrl('LLM endpoint tenants use.'),
      deployment: z.string().min(1).max(255).optional(),
    })
    .optional()
    .describe('Shared LLM endpoint: copied into every tenant binding.'),
};

const azureSchema = z.strictObject({
  cloud: z.literal('azure'),
  ...common,
  state: z.strictObject({
    backend: z.literal('azurerm', { message: 'must be "azurerm" on azure' }),
    resourceGroupName: name('resource group name'),
    storageAccountName: name('storage account name (3-24 lowercase letters and digits)', /^[a-z0-9]{3,24}$/),
    containerName: name('blob container name'),
    keyPrefix: z.string().default(''),
  }),
  azure: z.strictObject({
    subscriptionId: guid('Subscription of the platform.'),
    tenantId: guid('Entra ID tenant (directory) of the subscription.'),
    resourceGroupName: name('resource group name').describe(
      'Resource group of the shared platform resources.',
    ),
    cosmosAccountName: name('Cosmos DB account name', /^[a-z0-9][a-z0-9-]{1,42}[a-z0-9]$/),
    searchServiceName: name('AI Search service name', /^[a-z0-9][a-z0-9-]{0,58}[a-z0-9]$/),
    privateEndpoints: z
      .strictObject({
        subnetId: z
          .string()
          .regex(/^\/subscriptions\/.+\/subnets\/[^/]+$/, { message: 'must be a subnet resource id' }),
        dnsZoneIds: z
          .strictObject({
            vault: z.string().optional(),
            cosmos: z.string().optional(),
            search: z.string().optional(),
          })
          .default({}),
      })
      .optional()
      .describe(
        'When set, tenant vaults (and dedicated Cosmos DB accounts and search services) get private endpoints and no public access.',
      ),
  }),
});

const awsSchema = z.strictObject({
  cloud: z.literal('aws'),
  ...common,
  state: z.strictObject({
    backend: z.literal('s3', { message: 'must be "s3" on aws' }),
    bucket: name('S3 bucket name', /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/),
    region: z.string().optional().describe('Region of the bucket. Default: the platform region.'),
    keyPrefix: z.string().default(''),
    dynamodbTable: name('DynamoDB table name')
      .optional()
      .describe('Lock table. Default: S3 native locking (use_lockfile).'),
  }),
  aws: z.strictObject({
    accountId: z.string().regex(/^\d{12}$/, { message: 'must be a 12-digit AWS account id' }),
    sharedTableName: name('DynamoDB table name').describe(
      'Shared DynamoDB table; shared tenants own the items whose key starts with "<slug>#".',
    ),
    searchCollection: z.strictObject({
      name: name('OpenSearch Serverless collection name', /^[a-z][a-z0-9-]{2,31}$/),
      id: z
        .string()
        .regex(/^[a-z0-9]{1,40}$/, { message: 'must be the collection id (lowercase letters and digits)' }),
    }),
    searchVpcEndpointId: z
      .string()
      .regex(/^vpce-[0-9a-z]+$/, { message: 'must be a VPC endpoint id such as "vpce-0abc123"' })
      .optional(),
  }),
});

const gcpSchema = z.strictObject({
  cloud: z.literal('gcp'),
  ...common,
  state: z.strictObject({
    backend: z.literal('gcs', { message: 'must be "gcs" on gcp' }),
    bucket: name('GCS bucket name', /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/),
    prefix: z.string().default(''),
  }),
  gcp: z.strictObject({
    projectId: name('project id', /^[a-z][-a-z0-9]{4,28}[a-z0-9]$/),
    projectNumber: z.string().regex(/^\d{6,20}$/, { message: 'must be the numeric project number' }),
    sharedDatabase: name('Firestore database id', /^[a-z][-a-z0-9]{2,61}[a-z0-9]$/).describe(
      'Firestore database of shared tenants.',
    ),
    workloadPool: z
      .string()
      .optional()
      .describe('Workload Identity pool. Default: <projectId>.svc.id.goog (GKE).'),
  }),
});

export const platformConfigSchema = z.discriminatedUnion('cloud', [azureSchema, awsSchema, gcpSchema]);
export type PlatformConfig = z.output<typeof platformConfigSchema>;
export type PlatformConfigInput = z.input<typeof platformConfigSchema>;
export type AzurePlatformConfig = Extract<PlatformConfig, { cloud: 'azure' }>;
export type AwsPlatformConfig = Extract<PlatformConfig, { cloud: 'aws' }>;
export type GcpPlatformConfig = Extract<PlatformConfig, { cloud: 'gcp' }>;

export class PlatformConfigError extends Error {
  constructor(
    readonly source: string,
    readonly issues: ValidationIssue[],
  ) {
    super(`${source}: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`);
    this.name = 'PlatformConfigError';
  }
}

function describe(issue: z.core.$ZodIssue): string {
  const input = (issue as { input?: unknown }).input;
  if (issue.code === 'invalid_type' && input === undefined) return 'is required';
  if (issue.code === 'invalid_type')
    return `must be ${issue.expected === 'object' ? 'an object' : `a ${issue.expected}`}`;
  return issue.message;
}

/** Validates a platform configuration object; `source` names it in errors (a file path). */
export function parsePlatformConfig(input: unknown, source = 'platform config'): PlatformConfig {
  const cloud = (input as { cloud?: unknown } | null)?.cloud;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new PlatformConfigError(source, [
      { path: '', message: 'expected a mapping with cloud, region, state and a section for the cloud' },
    ]);
  }
  if (!isPlatformCloud(cloud)) {
    const got = cloud === undefined ? 'nothing' : JSON.stringify(cloud);
    const hint = cloud === 'local' ? ' (a local cluster has no cloud platform stack)' : '';
    throw new PlatformConfigError(source, [
      { path: 'cloud', message: `must be azure, aws or gcp (got ${got})${hint}` },
    ]);
  }
  const parsed = platformConfigSchema.safeParse(input, { reportInput: true });
  const issues: ValidationIssue[] = parsed.success
    ? []
    : parsed.error.issues.flatMap((issue) =>
        issue.code === 'unrecognized_keys'
          ? issue.keys.map((key) => ({ path: pathToString([...issue.path, key]), message: 'unknown field' }))
          : [{ path: pathToString(issue.path), message: describe(issue) }],
      );
  const region = (input as { region?: unknown }).region;
  if (typeof region === 'string' && !REGIONS[cloud].includes(region)) {
    issues.push({
      path: 'region',
      message: `"${region}" is not a region of ${cloud} (expected one of ${REGIONS[cloud].join(', ')})`,
    });
  }
  if (issues.length > 0 || !parsed.success) throw new PlatformConfigError(source, issues);
  return parsed.data;
}

/** Reads platform.yaml (or JSON) from a path, or validates an object already in memory. */
export function loadPlatformConfig(pathOrObject: string | object): PlatformConfig {
  if (typeof pathOrObject !== 'string') return parsePlatformConfig(pathOrObject);
  let text: string;
  try {
    text = readFileSync(pathOrObject, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : String(error);
    throw new PlatformConfigError(pathOrObject, [{ path: '', message: `cannot read file: ${why}` }]);
  }
  let value: unknown;
  try {
    value = parseYaml(text, { prettyErrors: true });
  } catch (error) {
    throw new PlatformConfigError(pathOrObject, [
      { path: '', message: `invalid YAML: ${(error as Error).message.split('\n')[0]}` },
    ]);
  }
  return parsePlatformConfig(value, pathOrObject);
}

/** Cluster name: the configured one, else `<prefix>-platform`. */
export const clusterName = (config: PlatformConfig): string =>
  config.cluster.name ?? `${config.prefix}-platform`;

/** The GKE workload pool of a GCP platform. */
export const workloadPool = (config: GcpPlatformConfig): string =>
  config.gcp.workloadPool ?? `${config.gcp.projectId}.svc.id.goog`;
