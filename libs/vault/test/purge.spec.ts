// purgeLocalVault on the real PostgreSQL, in ONE schema shared by two tenants whose slugs are
// prefixes of each other (acme, acme-eu), as the control plane's `<schema>_vault` holds them.
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryTenantStore, PostgresTenantStore, pgPoolClient, type SqlClient } from '@cw/tenant-store';
import { LocalVaultBackend, parseMasterKeys, purgeLocalVault } from '../src/index.js';

const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `vp${process.pid}x${Date.now().toString(36)}_vault`;
const keys = parseMasterKeys(`k1 ${randomBytes(32).toString('base64')}`);
let client: SqlClient | undefined;

async function open(tenant: string): Promise<{ store: PostgresTenantStore; vault: LocalVaultBackend }> {
  client ??= await pgPoolClient(url);
  const store = new PostgresTenantStore({ tenant, client, schema });
  await store.init();
  return { store, vault: new LocalVaultBackend(store, keys) };
}

async function fill(vault: LocalVaultBackend, n: number): Promise<void> {
  for (let i = 0; i < n; i++)
    await vault.put(
      { plugin: 'github', name: `token${i}`, scope: { level: 'user', userId: `u${i}@example.com` } },
      `value-${i}`,
      `u${i}@example.com`,
    );
  await vault.put({ plugin: 'github', name: 'app_key', scope: { level: 'org' } }, 'org-value', 'boss');
  await vault.putTenantSecret('engine-audit-salt', 'salt-value-0123456789', 'provisioner');
  await vault.putTenantSecret('cerebro-session-key', 'session-key-value', 'provisioner');
}

afterAll(async () => {
  await client?.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client?.end();
});

describe('purgeLocalVault', () => {
  it("removes every credential and tenant secret of one tenant, nothing of acme-eu's", async () => {
    const acme = await open('acme');
    const acmeEu = await open('acme-eu');
    // More than one page of the purge's queries (500).
    await fill(acme.vault, 520);
    await fill(acmeEu.vault, 3);

    const purged = await purgeLocalVault(acme.store);
    expect(purged).toEqual({ credentials: 521, tenantSecrets: ['cerebro-session-key', 'engine-audit-salt'] });
    expect(await acme.vault.list()).toEqual([]);
    expect(await acme.vault.hasTenantSecret('engine-audit-salt')).toBe(false);

    // The other tenant, in the same schema, keeps everything, readable.
    expect(await acmeEu.vault.list()).toHaveLength(4);
    expect(await acmeEu.vault.readTenantSecret('engine-audit-salt')).toBe('salt-value-0123456789');
    const { rows } = await client!.query<{ tenant: string; n: number }>(
      `SELECT tenant, count(*)::int AS n FROM "${schema}".items GROUP BY tenant ORDER BY tenant`,
      [],
    );
    expect(rows).toEqual([{ tenant: 'acme-eu', n: 6 }]);

    // Safe to repeat; the schema the tenants share stays (other tenants write to it).
    expect(await purgeLocalVault(acme.store)).toEqual({ credentials: 0, tenantSecrets: [] });
    await acme.vault.putTenantSecret('engine-audit-salt', 'a-new-salt-after-offboarding', 'provisioner');
    expect(await acme.vault.hasTenantSecret('engine-audit-salt')).toBe(true);
  }, 60_000);

  it('works on any tenant store (memory) and needs no master key', async () => {
    const store = new MemoryTenantStore('solo');
    await new LocalVaultBackend(store, keys).put(
      { plugin: 'email', name: 'smtp_password', scope: { level: 'group', groupId: 'ops' } },
      'v',
      'lead',
    );
    expect(await purgeLocalVault(store)).toEqual({ credentials: 1, tenantSecrets: [] });
  });
});
