/**
 * Opens the tenant's vault backend from its adapter config (`vaultAdapterFromTenant`). Backends
 * are loaded on first use so a process that runs on one cloud never loads the others' SDKs.
 */
import type { VaultAdapterConfig } from '@cw/tenant-model';
import { vaultAdapterConfigSchema } from '@cw/tenant-model';
import { VaultInputError } from './vault.errors.js';
import type { VaultBackend } from './vault.port.js';
import { MemoryVaultBackend } from './backends/memory.backend.js';

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
    default:
      throw new VaultInputError('vault.kind', `backend "${c.kind}" is not available yet in this build`);
  }
}
