/**
 * Which credential-vault backend a tenant's workloads use (libs/vault `openVault`), derived from
 * the Tenant's cloud and `spec.bindings.vault`. References and names only: a master key is a
 * file path, cloud access is the workload identity, never a static key.
 */
import { z } from 'zod';
import type { Tenant, TenantBindings } from '../schema.js';

const text = (max: number) => z.string().min(1).max(max);
/** Secret-name prefixes: letters, digits and `/ _ -`, never `..`. */
const prefix = text(512)
  .regex(/^[A-Za-z0-9/_-]*$/, { message: 'must be letters, digits, "/", "_" or "-"' })
  .refine((p) => !p.includes('..') && !p.startsWith('/'), {
    message: 'must not contain ".." or start with "/"',
  });

export const vaultAdapterConfigSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('memory') }).describe('In process memory (tests).'),
  z
    .strictObject({
      kind: z.literal('local'),
      masterKeyFile: text(4096).describe(
        'File holding the master key(s) that wrap each record’s data key (see docs/vault.md).',
      ),
    })
    .describe('AES-256-GCM records in the tenant store (npm start, tests, single-node installs).'),
  z
    .strictObject({
      kind: z.literal('azure-key-vault'),
      vaultUrl: z
        .url({ protocol: /^https?$/ })
        .max(2048)
        .describe('The tenant’s own Key Vault URI.'),
    })
    .describe('Azure Key Vault through workload identity.'),
  z
    .strictObject({
      kind: z.literal('aws-secrets-manager'),
      region: text(40),
      prefix: prefix.describe(
        'Secrets Manager name prefix granted to the tenant: `<platform>/tenants/<slug>/`.',
      ),
      kmsKeyId: text(2048).optional().describe('The tenant’s KMS key (ARN or alias).'),
      endpoint: z.url().max(2048).optional().describe('Endpoint override (tests).'),
    })
    .describe('AWS Secrets Manager through IRSA web-identity credentials.'),
  z
    .strictObject({
      kind: z.literal('gcp-secret-manager'),
      projectId: text(64),
      prefix: prefix.describe('Secret id prefix granted to the tenant: `<slug>_`.'),
      location: text(64)
        .optional()
        .describe('Replica location (the tenant’s region); automatic replication when absent.'),
      endpoint: z.url().max(2048).optional().describe('Endpoint override (tests; REST transport).'),
    })
    .describe('GCP Secret Manager through workload identity federation.'),
  z
    .strictObject({
      kind: z.literal('hashicorp-vault'),
      address: z.url().max(2048),
      mount: text(128).regex(/^[A-Za-z0-9_-]+$/, { message: 'must be a KV v2 mount name' }),
      role: text(128).describe('Kubernetes auth role bound to the tenant’s service accounts.'),
      prefix: prefix.describe('Path prefix inside the mount granted to the tenant: `tenants/<slug>/`.'),
    })
    .describe('HashiCorp Vault KV v2 through the Kubernetes auth method.'),
]);

export type VaultAdapterConfig = z.output<typeof vaultAdapterConfigSchema>;
export type VaultAdapterKind = VaultAdapterConfig['kind'];

export interface VaultAdapterDefaults {
  /** Master key file for `local` tenants. Default `/var/run/secrets/contextweaver/vault-master-key`. */
  masterKeyFile?: string;
}

const DEFAULT_MASTER_KEY_FILE = '/var/run/secrets/contextweaver/vault-master-key';

/**
 * Maps the Tenant's cloud and vault binding to an adapter config. A cloud tenant without a vault
 * binding yet (the stack has not been applied) gets the local backend, so nothing breaks before
 * provisioning finishes; a binding of kind `kubernetes` also means local.
 */
export function vaultAdapterFromTenant(
  tenant: Tenant,
  defaults: VaultAdapterDefaults = {},
): VaultAdapterConfig {
  return vaultAdapterFromBinding(
    { slug: tenant.metadata.name, region: tenant.spec.cloud.region, binding: tenant.spec.bindings.vault },
    defaults,
  );
}

/** The same mapping from the parts the control plane keeps (slug, region, the vault binding). */
export function vaultAdapterFromBinding(
  target: { slug: string; region?: string; binding?: TenantBindings['vault'] },
  defaults: VaultAdapterDefaults = {},
): VaultAdapterConfig {
  const { binding, region, slug } = target;
  const local: VaultAdapterConfig = {
    kind: 'local',
    masterKeyFile: defaults.masterKeyFile ?? DEFAULT_MASTER_KEY_FILE,
  };
  if (!binding) return local;
  switch (binding.kind) {
    case 'azure-key-vault':
      return { kind: 'azure-key-vault', vaultUrl: binding.uri };
    case 'aws-secrets-manager': {
      // uri: arn:aws:secretsmanager:<region>:<account>:secret:<prefix>/tenants/<slug>/
      const m = /^arn:aws:secretsmanager:([a-z0-9-]+):\d+:secret:(.+)$/.exec(binding.uri);
      const prefix = m?.[2] ?? binding.uri;
      return {
        kind: 'aws-secrets-manager',
        region: m?.[1] ?? region ?? 'us-east-1',
        prefix,
        kmsKeyId: `alias/${prefix.replace(/\/$/, '')}`,
      };
    }
    case 'gcp-secret-manager': {
      // uri: projects/<project>/secrets/<slug>_
      const m = /^projects\/([^/]+)\/secrets\/(.+)$/.exec(binding.uri);
      return {
        kind: 'gcp-secret-manager',
        projectId: m?.[1] ?? binding.uri,
        prefix: m?.[2] ?? `${slug}_`,
        ...(region && { location: region }),
      };
    }
    case 'kubernetes':
      return local;
  }
}

export const parseVaultAdapterConfig = (input: unknown): VaultAdapterConfig =>
  vaultAdapterConfigSchema.parse(input);
