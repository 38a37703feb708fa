/**
 * Opens the tenant's vault backend from its adapter config (`vaultAdapterFromTenant`). Backends
 * are loaded on first use so a process that runs on one cloud never loads the others' SDKs.
 */
import type { VaultAdapterConfig } from '@cw/tenant-model';
import { vaultAdapterConfigSchema } from '@cw/tenant-model';
import { VaultInputError } from './vault.errors.js';
import type { VaultBackend } from './vault.port.js';
import { MemoryVaultBackend } from './backends/memory.backend.js';
import { isAbsolute, join } from 'node:path';

export interface OpenVaultOptions {
  tenant: string;
  /** The tenant's store: where the local backend keeps its encrypted records. */
  store?: import('@cw/tenant-store').TenantStore;
  /** Directory of mounted secret files (relative `masterKeyFile` paths resolve here). */
  secretsDir?: string;
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
    default:
      throw new VaultInputError('vault.kind', `backend "${c.kind}" is not available yet in this build`);
  }
}
