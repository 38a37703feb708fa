/**
 * Offboarding a tenant from the local backend: every record of its vault — the cascade's
 * credentials (user, group, org) and the tenant secrets (data-plane keys, the IdP client secret) —
 * deleted through the tenant store, so only this store's tenant is touched even in a schema other
 * tenants share (the control plane's `<schema>_vault`). No value is read, so no master key is
 * needed. Safe to repeat: a second run finds nothing and says 0.
 */
import type { TenantStore } from '@cw/tenant-store';
import { unavailable } from '../../vault.errors.js';
import { LOCAL_VAULT_PARTITIONS, VAULT_COLLECTION } from './local.backend.js';

export interface LocalVaultPurge {
  /** Credentials removed (every scope). */
  readonly credentials: number;
  /** Tenant secrets removed, by name (names are not secret: `engine-audit-salt`, …). */
  readonly tenantSecrets: readonly string[];
}

const PAGE = 500;

export async function purgeLocalVault(store: TenantStore): Promise<LocalVaultPurge> {
  const records = store.collection(VAULT_COLLECTION);
  const removeAll = async (partition: string): Promise<string[]> => {
    const removed: string[] = [];
    // Always the first page: what was deleted is gone, so the next page starts where this one did.
    for (;;) {
      const { items } = await records.query(partition, { limit: PAGE });
      const before = removed.length;
      for (const item of items) if (await records.delete(partition, item.id)) removed.push(item.id);
      // Nothing left, or nothing this pass could delete (a concurrent purge took it): done.
      if (removed.length === before) return removed;
    }
  };
  try {
    const credentials = await removeAll(LOCAL_VAULT_PARTITIONS.credentials);
    const tenantSecrets = await removeAll(LOCAL_VAULT_PARTITIONS.tenantSecrets);
    return { credentials: credentials.length, tenantSecrets: tenantSecrets.sort() };
  } catch (error) {
    throw unavailable('local', error);
  }
}
