import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryTenantStore } from '@cw/tenant-store';
import {
  LocalVaultBackend,
  openVault,
  parseMasterKeys,
  VAULT_COLLECTION,
  VaultIntegrityError,
  type CredentialRef,
} from '../src/index.js';
import { describeVaultBackendContract, LEAK } from './vault-backend.contract.js';

const keyLine = (id: string) => `${id} ${randomBytes(32).toString('base64')}`;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cw-vault-local-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describeVaultBackendContract('local (memory store)', async (tenant) => {
  return new LocalVaultBackend(new MemoryTenantStore(tenant), parseMasterKeys(keyLine('k1')));
});

const ref: CredentialRef = { plugin: 'github', name: 'token', scope: { level: 'user', userId: 'ada' } };

describe('local backend: encryption at rest', () => {
  it('stores no plaintext; tampering, a moved record and a wrong master key fail clearly', async () => {
    const store = new MemoryTenantStore('acme');
    const keys = parseMasterKeys(keyLine('k1'));
    const vault = new LocalVaultBackend(store, keys);
    await vault.put(ref, LEAK, 'ada');
    const records = store.collection(VAULT_COLLECTION);
    const [item] = (await records.query('credentials')).items;
    if (!item) throw new Error('no record');
    expect(JSON.stringify(item)).not.toContain('LEAKCANARY');
    expect(item.value.keyId).toBe('k1');

    // flip one ciphertext byte
    const raw = Buffer.from(item.value.ciphertext, 'base64');
    raw[20] = (raw[20] ?? 0) ^ 1;
    await records.put('credentials', item.id, { ...item.value, ciphertext: raw.toString('base64') });
    await expect(vault.get(ref)).rejects.toThrow(/did not authenticate/);
    await records.put('credentials', item.id, item.value);
    expect(await vault.get(ref)).toBe(LEAK);

    // the same record moved to bob's scope (swapped AAD) does not open
    const bob: CredentialRef = { ...ref, scope: { level: 'user', userId: 'bob' } };
    await vault.put(bob, 'bob-value', 'bob');
    const bobItem = (await records.query('credentials')).items.find((i) => i.id !== item.id);
    if (!bobItem) throw new Error('no bob record');
    await records.put('credentials', bobItem.id, { ...item.value, scope: bob.scope });
    const moved = await vault.get(bob).catch((e: unknown) => e);
    expect(moved).toBeInstanceOf(VaultIntegrityError);
    expect(String(moved)).not.toContain('LEAKCANARY');

    // another tenant's store holding this tenant's record does not open either
    const other = new MemoryTenantStore('evil');
    await other.collection(VAULT_COLLECTION).put('credentials', item.id, item.value);
    await expect(new LocalVaultBackend(other, keys).get(ref)).rejects.toThrow(/did not unwrap/);

    // wrong master key with the same id, and an unknown key id
    await expect(new LocalVaultBackend(store, parseMasterKeys(keyLine('k1'))).get(ref)).rejects.toThrow(
      /did not unwrap \(wrong master key/,
    );
    await expect(new LocalVaultBackend(store, parseMasterKeys(keyLine('k2'))).get(ref)).rejects.toThrow(
      /master key "k1", which is not in the keyring/,
    );
  });

  it('master-key rotation re-wraps every record while reads keep working', async () => {
    const file = join(dir, 'rotate.keys');
    const k1 = keyLine('k1');
    await writeFile(file, `${k1}\n`, { mode: 0o600 });
    const store = new MemoryTenantStore('rot');
    const vault = (await openVault(
      { kind: 'local', masterKeyFile: file },
      { tenant: 'rot', store },
    )) as LocalVaultBackend;
    const refs = Array.from({ length: 30 }, (_, i): CredentialRef => ({ ...ref, name: `token_${i}` }));
    for (const r of refs) await vault.put(r, `value-${r.name}`, 'ada');
    // operator: new key first, old key kept
    const k2 = keyLine('k2');
    await writeFile(file, `${k2}\n${k1}\n`);
    const reads = Promise.all(refs.map((r) => vault.get(r)));
    const result = await vault.rewrapAll();
    expect(await reads).toEqual(refs.map((r) => `value-${r.name}`));
    expect(result).toEqual({ rewrapped: 30, current: 0, keyId: 'k2' });
    const items = (await store.collection(VAULT_COLLECTION).query('credentials')).items;
    expect(new Set(items.map((i) => i.value.keyId))).toEqual(new Set(['k2']));
    // the old key can now go: a fresh backend with only k2 reads everything
    await writeFile(file, `${k2}\n`);
    const fresh = await openVault({ kind: 'local', masterKeyFile: file }, { tenant: 'rot', store });
    expect(await fresh.get(refs[0] as CredentialRef)).toBe('value-token_0');
    expect((await vault.rewrapAll()).rewrapped).toBe(0);
  });

  it('records when a credential was last used, without delaying the read', async () => {
    const vault = new LocalVaultBackend(new MemoryTenantStore('used'), parseMasterKeys(keyLine('k1')));
    await vault.put(ref, 'v', 'ada');
    expect((await vault.list())[0]?.lastUsedAt).toBeUndefined();
    const before = Date.now();
    expect(await vault.get(ref)).toBe('v');
    await vault.flushLastUsed();
    const [meta] = await vault.list();
    expect(Date.parse(meta?.lastUsedAt ?? '')).toBeGreaterThanOrEqual(before - 1000);
    expect(meta?.version).toBe(1);
    expect(await vault.get(ref)).toBe('v');
  });

  it('a bad key file is refused without quoting it', async () => {
    expect(() => parseMasterKeys('k1 c2hvcnQ=')).toThrow(/^masterKeyFile: .* line 1 is not/);
    expect(() => parseMasterKeys('# only a comment')).toThrow(/holds no key/);
    const bad = 'k1 not-base64-at-all-but-secretish';
    expect(() => parseMasterKeys(bad)).not.toThrow(/secretish/);
  });
});
