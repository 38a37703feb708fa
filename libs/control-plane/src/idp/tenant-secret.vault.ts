/**
 * SecretVault on @cw/vault: the customer IdP's client secret goes to the tenant's vault backend,
 * chosen from the Tenant's vault binding — its cloud vault (Azure Key Vault, AWS Secrets Manager,
 * GCP Secret Manager, under the name the cloud stack created) when it has one, else the local
 * encrypted backend (AES-256-GCM envelope records in the control plane's PostgreSQL, or PGlite
 * under VAULT_DIR in `npm start`; master key `<VAULT_DIR>/master.key`). Never a plain file.
 */
import { join } from 'node:path';
import { vaultAdapterFromBinding } from '@cw/tenant-model';
import { PostgresTenantStore, pgliteClient, pgPoolClient, type SqlClient } from '@cw/tenant-store';
import {
  ensureMasterKeyFile,
  openTenantSecrets,
  type TenantSecretStore,
  type WorkloadIdentityOptions,
} from '@cw/vault';
import type { SecretVault, VaultTarget } from './secret-vault.js';

export interface TenantSecretVaultOptions {
  /** VAULT_DIR: holds `master.key` (created when missing) and, without a database URL, the PGlite store. */
  dir: string;
  /** The control plane's PostgreSQL; the records go to schema `<schema>_vault` (default `cp_vault`). */
  database?: { url?: string; schema?: string };
  /** Workload identity overrides for the cloud vaults (tests). */
  identity?: WorkloadIdentityOptions;
}

/** Who the control plane writes as (hashed into setBy like any actor). */
const ACTOR = 'control-plane:customer-idp';

export class TenantSecretVault implements SecretVault {
  readonly kind = 'tenant-vault';
  private client: Promise<SqlClient> | undefined;
  private readonly opened = new Map<string, Promise<TenantSecretStore>>();
  private readonly masterKeyFile: string;

  constructor(private readonly opts: TenantSecretVaultOptions) {
    this.masterKeyFile = join(opts.dir, 'master.key');
  }

  async put(target: VaultTarget, key: string, value: string): Promise<void> {
    await (await this.secrets(target)).putTenantSecret(key, value, ACTOR);
  }

  async has(target: VaultTarget, key: string): Promise<boolean> {
    return (await this.secrets(target)).hasTenantSecret(key);
  }

  /** Closes the local store's connection (Nest calls this on shutdown). */
  async onApplicationShutdown(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.opened.clear();
    if (client) await (await client).end();
  }

  private secrets(target: VaultTarget): Promise<TenantSecretStore> {
    const config = vaultAdapterFromBinding(
      { slug: target.slug, ...(target.binding && { binding: target.binding }) },
      { masterKeyFile: this.masterKeyFile },
    );
    const cacheKey = `${target.slug}\u0000${JSON.stringify(config)}`;
    let opening = this.opened.get(cacheKey);
    if (!opening) {
      opening = this.open(target.slug, config);
      // A failed open (e.g. the database is down) is retried on the next call.
      opening.catch(() => this.opened.delete(cacheKey));
      this.opened.set(cacheKey, opening);
    }
    return opening;
  }

  private async open(
    slug: string,
    config: ReturnType<typeof vaultAdapterFromBinding>,
  ): Promise<TenantSecretStore> {
    const identity = this.opts.identity ? { identity: this.opts.identity } : {};
    if (config.kind !== 'local') return openTenantSecrets(config, { tenant: slug, ...identity });
    await ensureMasterKeyFile(this.masterKeyFile);
    const { url, schema } = this.opts.database ?? {};
    this.client ??= url ? pgPoolClient(url) : pgliteClient(join(this.opts.dir, 'store'));
    const store = new PostgresTenantStore({
      tenant: slug,
      client: await this.client,
      // One schema for every tenant's records: each row carries its tenant and every statement filters on it.
      schema: `${schema ?? 'cp'}_vault`.slice(0, 63),
    });
    await store.init();
    return openTenantSecrets(config, { tenant: slug, store });
  }
}
