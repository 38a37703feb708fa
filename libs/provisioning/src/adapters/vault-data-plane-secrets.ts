/**
 * DataPlaneSecrets over @cw/vault: opens the tenant's vault from its binding
 * (`vaultAdapterFromBinding`, the same choice cerebro and the engines make) and seeds the
 * data-plane secrets into it (tenant-secrets.ts).
 *
 * - Local vault (the `local` cloud's `kubernetes` binding, or no binding): the local AES-256-GCM
 *   backend, master key `<VAULT_DIR>/master.key` (created when missing), records in the platform
 *   database's `<schema>_vault` schema with DATABASE_URL (the same store the control plane's
 *   tenant secrets use, and the one `npm start`'s local data plane mounts from), else in a PGlite
 *   of its own under `<VAULT_DIR>/provisioner-store` (PGlite cannot be shared between processes).
 * - Cloud vaults (Key Vault, Secrets Manager, Secret Manager): only with `DATA_PLANE_SECRETS=all`,
 *   where the provisioner's workload identity may write the tenant vaults its stacks created;
 *   otherwise the step says the secrets were not seeded (never a silent success).
 */
import { join } from 'node:path';
import { vaultAdapterFromBinding, type Tenant } from '@cw/tenant-model';
import { PostgresTenantStore, pgliteClient, pgPoolClient, type SqlClient } from '@cw/tenant-store';
import {
  ensureMasterKeyFile,
  openTenantSecrets,
  openVault,
  purgeLocalVault,
  purgeVaultCredentials,
  type LocalVaultPurge,
  type WorkloadIdentityOptions,
} from '@cw/vault';
import type { DataPlaneSecrets, DataPlaneSecretsResult } from '../ports.js';
import { seedDataPlaneSecrets, type SeedOptions, type TenantSecretWriter } from '../tenant-secrets.js';

export type DataPlaneSecretsMode = 'local' | 'all' | 'off';

export interface VaultDataPlaneSecretsOptions {
  /** VAULT_DIR: `master.key` and, without a database URL, the PGlite store. */
  readonly vaultDir: string;
  readonly database?: { url?: string; schema?: string };
  /** Which vault kinds are written. @default 'local' */
  readonly mode?: DataPlaneSecretsMode;
  /** Workload identity overrides for the cloud vaults (tests). */
  readonly identity?: WorkloadIdentityOptions;
}

export class VaultDataPlaneSecrets implements DataPlaneSecrets {
  private client: Promise<SqlClient> | undefined;
  private readonly masterKeyFile: string;

  constructor(private readonly opts: VaultDataPlaneSecretsOptions) {
    this.masterKeyFile = join(opts.vaultDir, 'master.key');
  }

  async seed(tenant: Tenant, options: SeedOptions = {}): Promise<DataPlaneSecretsResult> {
    const mode = this.opts.mode ?? 'local';
    if (mode === 'off') return { skipped: 'DATA_PLANE_SECRETS=off: the tenant vault is seeded elsewhere' };
    const slug = tenant.metadata.name;
    const config = this.configOf(tenant);
    if (config.kind !== 'local' && mode !== 'all')
      return {
        skipped: `not seeded: the tenant vault is a ${config.kind}; set DATA_PLANE_SECRETS=all where the provisioner may write it`,
      };
    return seedDataPlaneSecrets(await this.open(slug, config), options);
  }

  /** The tenant's vault as cerebro and the engines open it (its binding, else the local vault). */
  private configOf(tenant: Tenant): ReturnType<typeof vaultAdapterFromBinding> {
    return vaultAdapterFromBinding(
      {
        slug: tenant.metadata.name,
        region: tenant.spec.cloud.region,
        ...(tenant.spec.bindings.vault && { binding: tenant.spec.bindings.vault }),
      },
      { masterKeyFile: this.masterKeyFile },
    );
  }

  /** The local store's connection (closed with the runtime). */
  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) await (await client).end();
  }

  /** The local vault of one tenant, for the local data plane and tests. */
  async openLocal(slug: string): Promise<TenantSecretWriter> {
    return this.open(slug, vaultAdapterFromBinding({ slug }, { masterKeyFile: this.masterKeyFile }));
  }

  /**
   * Offboarding: every record of the tenant's local vault (data-plane secrets, the IdP secret the
   * control plane wrote, credentials) deleted; other tenants' records in the shared schema stay.
   */
  async purgeLocal(slug: string): Promise<LocalVaultPurge & { where: string }> {
    const store = await this.localStore(slug);
    return { ...(await purgeLocalVault(store)), where: this.localWhere() };
  }

  /**
   * Offboarding a cloud tenant vault (Secrets Manager, Secret Manager, HashiCorp Vault): the
   * credentials people saved (`cred-*`, not stack resources) removed, with the identity that
   * seeds the vault — so only with `DATA_PLANE_SECRETS=all`; undefined otherwise (not allowed).
   */
  async purgeCloudCredentials(tenant: Tenant): Promise<number | undefined> {
    if ((this.opts.mode ?? 'local') !== 'all') return undefined;
    const slug = tenant.metadata.name;
    const config = this.configOf(tenant);
    if (config.kind === 'local') return undefined;
    return purgeVaultCredentials(
      await openVault(config, { tenant: slug, ...(this.opts.identity && { identity: this.opts.identity }) }),
    );
  }

  /** Where the local vault's records are, for messages. */
  localWhere(): string {
    const { url, schema } = this.opts.database ?? {};
    return url
      ? `schema ${localVaultSchema(schema)} of the platform PostgreSQL`
      : `PGlite ${join(this.opts.vaultDir, 'provisioner-store')}`;
  }

  private async open(
    slug: string,
    config: ReturnType<typeof vaultAdapterFromBinding>,
  ): Promise<TenantSecretWriter> {
    if (config.kind !== 'local')
      return openTenantSecrets(config, {
        tenant: slug,
        ...(this.opts.identity && { identity: this.opts.identity }),
      });
    await ensureMasterKeyFile(this.masterKeyFile);
    return openTenantSecrets(config, { tenant: slug, store: await this.localStore(slug) });
  }

  private async localStore(slug: string): Promise<PostgresTenantStore> {
    const { url, schema } = this.opts.database ?? {};
    this.client ??= url ? pgPoolClient(url) : pgliteClient(join(this.opts.vaultDir, 'provisioner-store'));
    const opening = this.client;
    opening.catch(() => {
      if (this.client === opening) this.client = undefined;
    });
    const store = new PostgresTenantStore({
      tenant: slug,
      client: await opening,
      // The control plane's tenant secrets live in the same schema: one local vault per platform.
      schema: localVaultSchema(schema),
    });
    await store.init();
    return store;
  }
}

/** `<DATABASE_SCHEMA or cp>_vault`: where the control plane's TenantSecretVault keeps its records too. */
export const localVaultSchema = (schema: string | undefined): string =>
  `${schema ?? 'cp'}_vault`.slice(0, 63);
