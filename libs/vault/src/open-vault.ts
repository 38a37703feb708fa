/**
 * Opens the tenant's vault backend from its adapter config (`vaultAdapterFromTenant`). Backends
 * are loaded on first use so a process that runs on one cloud never loads the others' SDKs.
 */
import type { VaultAdapterConfig } from '@cw/tenant-model';
import { vaultAdapterConfigSchema } from '@cw/tenant-model';
import { VaultInputError } from './vault.errors.js';
import type { VaultBackend } from './vault.port.js';
import { isTenantSecretStore, type TenantSecretStore } from './tenant-secrets.js';
import { MemoryVaultBackend } from './backends/memory.backend.js';
import { isAbsolute, join } from 'node:path';
import { CloudVaultBackend } from './backends/cloud/cloud.backend.js';

export interface OpenVaultOptions {
  tenant: string;
  /** The tenant's store: where the local backend keeps its encrypted records. */
  store?: import('@cw/tenant-store').TenantStore;
  /** Directory of mounted secret files (relative `masterKeyFile` paths resolve here). */
  secretsDir?: string;
  /**
   * Where the workload identity's token and endpoints are, when not the in-cluster defaults
   * (tests point these at the local wire-protocol servers). Never a static key.
   */
  identity?: WorkloadIdentityOptions;
}

export interface WorkloadIdentityOptions {
  /** Projected service-account token file (Vault Kubernetes auth, AWS web identity, Azure/GCP federation). */
  tokenFile?: string;
  /** AWS: role to assume with the web identity (default AWS_ROLE_ARN) and the STS endpoint. */
  awsRoleArn?: string;
  awsStsEndpoint?: string;
  /** Azure: Entra tenant and client id of the workload identity, and the authority host. */
  azureTenantId?: string;
  azureClientId?: string;
  azureAuthorityHost?: string;
  /** GCP: the STS token endpoint and the workload identity pool provider audience. */
  gcpTokenUrl?: string;
  gcpAudience?: string;
  /** Extra CA certificate (PEM) trusted for the vault endpoints (tests: a self-signed server). */
  caCert?: string;
}

/** Cloud prefixes must be the tenant's own: `…/tenants/<slug>/`, `<slug>_`, `tenants/<slug>/`. */
function checkTenantPrefix(prefix: string, tenant: string): void {
  const own = prefix === `${tenant}_` || prefix.endsWith(`tenants/${tenant}/`);
  if (!own)
    throw new VaultInputError(
      'vault.prefix',
      `"${prefix}" is not tenant "${tenant}"'s prefix (expected "<…>/tenants/${tenant}/" or "${tenant}_")`,
    );
}

export async function openVault(config: VaultAdapterConfig, opts: OpenVaultOptions): Promise<VaultBackend> {
  const parsed = vaultAdapterConfigSchema.safeParse(config);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new VaultInputError(`vault.${issue?.path.join('.') ?? ''}`, issue?.message ?? 'invalid');
  }
  const c = parsed.data;
  switch (c.kind) {
    case 'memory':
      return new MemoryVaultBackend(opts.tenant);
    case 'local': {
      if (!opts.store)
        throw new VaultInputError('store', 'the local vault keeps its records in the tenant store: pass one');
      const { loadMasterKeys } = await import('./backends/local/master-keys.js');
      const { LocalVaultBackend } = await import('./backends/local/local.backend.js');
      const file =
        opts.secretsDir && !isAbsolute(c.masterKeyFile)
          ? join(opts.secretsDir, c.masterKeyFile)
          : c.masterKeyFile;
      if (opts.store.tenant !== opts.tenant)
        throw new VaultInputError(
          'store',
          `the store is tenant "${opts.store.tenant}"'s, not "${opts.tenant}"'s`,
        );
      return new LocalVaultBackend(opts.store, await loadMasterKeys(file), {
        reloadKeys: () => loadMasterKeys(file),
      });
    }
    case 'hashicorp-vault': {
      checkTenantPrefix(c.prefix, opts.tenant);
      const { HashicorpVaultDriver } = await import('./backends/cloud/hashicorp-vault.driver.js');
      const driver = new HashicorpVaultDriver({
        address: c.address,
        mount: c.mount,
        role: c.role,
        prefix: c.prefix,
        ...(opts.identity?.tokenFile && { tokenFile: opts.identity.tokenFile }),
      });
      return new CloudVaultBackend(opts.tenant, driver);
    }
    case 'aws-secrets-manager': {
      checkTenantPrefix(c.prefix, opts.tenant);
      const { AwsSecretsManagerDriver } = await import('./backends/cloud/aws-secrets-manager.driver.js');
      const id = opts.identity ?? {};
      const driver = new AwsSecretsManagerDriver({
        region: c.region,
        prefix: c.prefix,
        ...(c.kmsKeyId && { kmsKeyId: c.kmsKeyId }),
        ...(c.endpoint && { endpoint: c.endpoint }),
        ...(id.tokenFile && { webIdentityTokenFile: id.tokenFile }),
        ...(id.awsRoleArn && { roleArn: id.awsRoleArn }),
        ...(id.awsStsEndpoint && { stsEndpoint: id.awsStsEndpoint }),
      });
      return new CloudVaultBackend(opts.tenant, driver);
    }
    case 'gcp-secret-manager': {
      checkTenantPrefix(c.prefix, opts.tenant);
      const { GcpSecretManagerDriver } = await import('./backends/cloud/gcp-secret-manager.driver.js');
      const id = opts.identity ?? {};
      const driver = new GcpSecretManagerDriver({
        projectId: c.projectId,
        prefix: c.prefix,
        ...(c.location && { location: c.location }),
        ...(c.endpoint && { endpoint: c.endpoint }),
        ...(id.gcpTokenUrl &&
          id.gcpAudience &&
          id.tokenFile && {
            federation: { tokenUrl: id.gcpTokenUrl, audience: id.gcpAudience, tokenFile: id.tokenFile },
          }),
      });
      return new CloudVaultBackend(opts.tenant, driver);
    }
    case 'azure-key-vault': {
      const { AzureKeyVaultDriver } = await import('./backends/cloud/azure-key-vault.driver.js');
      const id = opts.identity ?? {};
      const driver = new AzureKeyVaultDriver({
        vaultUrl: c.vaultUrl,
        ...(id.azureTenantId && { tenantId: id.azureTenantId }),
        ...(id.azureClientId && { clientId: id.azureClientId }),
        ...(id.tokenFile && { tokenFile: id.tokenFile }),
        ...(id.azureAuthorityHost && { authorityHost: id.azureAuthorityHost }),
        ...(id.caCert && { caCert: id.caCert }),
      });
      return new CloudVaultBackend(opts.tenant, driver);
    }
  }
}

/** The tenant-secret side of the same backend (the customer IdP's client secret). */
export async function openTenantSecrets(
  config: VaultAdapterConfig,
  opts: OpenVaultOptions,
): Promise<TenantSecretStore> {
  const backend = await openVault(config, opts);
  if (!isTenantSecretStore(backend))
    throw new VaultInputError('vault.kind', `"${config.kind}" holds no tenant secrets`);
  return backend;
}
