/**
 * The local data plane's stand-in for the vault CSI driver: it mounts the tenant vault's
 * data-plane secrets (what the provisioner's render step seeded: tenant-secrets.ts in
 * @cw/provisioning) as files, under the names cerebro and the engine read. Only with
 * DATABASE_URL: the local vault's records are then in PostgreSQL, readable from this process;
 * without it they are in the provisioner's own PGlite, which no other process may open.
 */
import type { LocalVaultBackend } from '@cw/vault';
import {
  CEREBRO_FIRST_MANAGERS,
  CEREBRO_SESSION_KEY,
  ENGINE_AUDIT_SALT,
  engineSigningKeys,
  mountedFileName,
  VaultDataPlaneSecrets,
} from '@cw/provisioning';

export interface MountedTenantVault {
  /** File name (as mounted) → value. */
  readonly files: Readonly<Record<string, string>>;
  /** cerebro-first-managers: the customer admin's e-mail. */
  readonly firstManagers: readonly string[];
}

export interface TenantVaultMount {
  /** The tenant's secrets, or undefined while the provisioner has not seeded them. */
  mount(slug: string): Promise<MountedTenantVault | undefined>;
  close(): Promise<void>;
}

export function tenantVaultMount(options: {
  vaultDir: string;
  databaseUrl: string;
  databaseSchema?: string | undefined;
}): TenantVaultMount {
  const vault = new VaultDataPlaneSecrets({
    vaultDir: options.vaultDir,
    database: { url: options.databaseUrl, ...(options.databaseSchema && { schema: options.databaseSchema }) },
  });
  return {
    async mount(slug) {
      // The local backend is what the provisioner wrote through; reading is the mount's job only.
      const backend = (await vault.openLocal(slug)) as unknown as LocalVaultBackend;
      const files: Record<string, string> = {};
      for (const name of [ENGINE_AUDIT_SALT, CEREBRO_SESSION_KEY]) {
        const value = await backend.readTenantSecret(name);
        if (value === undefined) return undefined;
        files[mountedFileName(name)] = value;
      }
      const signing = await engineSigningKeys(backend);
      if (signing.length === 0) return undefined;
      for (const name of signing) files[mountedFileName(name)] = (await backend.readTenantSecret(name))!;
      const managers = await backend.readTenantSecret(CEREBRO_FIRST_MANAGERS);
      return { files, firstManagers: (managers ?? '').split('\n').filter(Boolean) };
    },
    close: () => vault.close(),
  };
}
