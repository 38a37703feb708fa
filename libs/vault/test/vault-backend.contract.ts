/**
 * The one contract every VaultBackend passes (STYLE 12): run against memory, local (memory and
 * PostgreSQL stores) and each cloud adapter against its wire-protocol server. `open(tenant)` must
 * return backends of different tenants over the SAME underlying storage, so isolation is tested.
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  VaultInputError,
  isTenantSecretStore,
  purgeVaultCredentials,
  type CredentialRef,
  type VaultBackend,
} from '../src/index.js';

export const LEAK = 'sk-LEAKCANARY-7f3a9c';

export function describeVaultBackendContract(
  label: string,
  open: (tenant: string) => Promise<VaultBackend>,
): void {
  let n = 0;
  const unique = () => `t${Date.now().toString(36)}${(n++).toString(36)}`;

  describe(`${label}: VaultBackend contract`, () => {
    it('put/get/replace/delete per scope, with hashed setBy and growing versions', async () => {
      const v = await open(unique());
      const ref = (scope: CredentialRef['scope']): CredentialRef => ({
        plugin: 'github',
        name: 'token',
        scope,
      });
      const ada = ref({ level: 'user', userId: 'ada@example.com' });
      const bob = ref({ level: 'user', userId: 'bob@example.com' });
      const eng = ref({ level: 'group', groupId: 'eng' });
      const org = ref({ level: 'org' });
      const m1 = await v.put(ada, `${LEAK}-ada`, 'ada@example.com');
      expect(m1).toMatchObject({ plugin: 'github', name: 'token', scope: ada.scope, version: 1 });
      expect(m1.setBy).toMatch(/^[0-9a-f]{32}$/);
      expect(JSON.stringify(m1)).not.toMatch(/LEAK|ada@example\.com"?,"setAt/);
      await v.put(eng, `${LEAK}-eng`, 'lead');
      await v.put(org, 'ünïcödé ✓ value', 'boss');
      expect(await v.get(ada)).toBe(`${LEAK}-ada`);
      expect(await v.get(bob)).toBeUndefined();
      expect(await v.get(eng)).toBe(`${LEAK}-eng`);
      expect(await v.get(org)).toBe('ünïcödé ✓ value');
      const m2 = await v.put(ada, `${LEAK}-ada2`, 'ada@example.com');
      expect(m2.version).toBe(2);
      expect(await v.get(ada)).toBe(`${LEAK}-ada2`);
      expect(await v.delete(ada, 'ada@example.com')).toBe(true);
      expect(await v.delete(ada, 'ada@example.com')).toBe(false);
      expect(await v.get(ada)).toBeUndefined();
    });

    it('lists metadata only, filtered by plugin and scope', async () => {
      const v = await open(unique());
      await v.put({ plugin: 'github', name: 'token', scope: { level: 'user', userId: 'u1' } }, LEAK, 'u1');
      await v.put({ plugin: 'github', name: 'token', scope: { level: 'user', userId: 'u2' } }, LEAK, 'u2');
      await v.put(
        { plugin: 'email', name: 'smtp_password', scope: { level: 'user', userId: 'u1' } },
        LEAK,
        'u1',
      );
      await v.put({ plugin: 'github', name: 'app_key', scope: { level: 'org' } }, LEAK, 'boss');
      const all = await v.list();
      expect(all).toHaveLength(4);
      const names = (xs: typeof all) => xs.map((m) => `${m.plugin}/${m.name}`).sort();
      expect(names(await v.list({ scope: { level: 'user', userId: 'u1' } }))).toEqual([
        'email/smtp_password',
        'github/token',
      ]);
      expect(names(await v.list({ plugin: 'github' }))).toEqual([
        'github/app_key',
        'github/token',
        'github/token',
      ]);
      expect(await v.list({ plugin: 'github', scope: { level: 'org' } })).toMatchObject([
        { plugin: 'github', name: 'app_key', scope: { level: 'org' }, version: 1 },
      ]);
      expect(JSON.stringify(all) + inspect(all, { depth: 5 })).not.toContain('LEAKCANARY');
    });

    it('bad input names the field and writes nothing', async () => {
      const v = await open(unique());
      const ok: CredentialRef = { plugin: 'github', name: 'token', scope: { level: 'org' } };
      const cases: [string, () => Promise<unknown>, RegExp][] = [
        ['plugin escape', () => v.put({ ...ok, plugin: '../other' }, 'x', 'a'), /^plugin: /],
        ['name with /', () => v.put({ ...ok, name: 'a/b' }, 'x', 'a'), /^name: /],
        ['name with ..', () => v.put({ ...ok, name: '..' }, 'x', 'a'), /^name: /],
        ['oversize value', () => v.put(ok, 'x'.repeat(16 * 1024 + 1), 'a'), /^value: /],
        ['empty value', () => v.put(ok, '', 'a'), /^value: /],
        [
          'unknown scope',
          () => v.put({ ...ok, scope: { level: 'team' } as never }, 'x', 'a'),
          /^scope\.level: /,
        ],
        [
          'user without id',
          () => v.put({ ...ok, scope: { level: 'user' } as never }, 'x', 'a'),
          /^scope\.userId: /,
        ],
        ['missing actor', () => v.put(ok, 'x', ''), /^actor: /],
        ['get escape', () => v.get({ ...ok, name: '../../etc' }), /^name: /],
      ];
      for (const [what, call, field] of cases) {
        const error = await call().catch((e: unknown) => e);
        expect(error, what).toBeInstanceOf(VaultInputError);
        expect((error as Error).message, what).toMatch(field);
      }
      expect(await v.list()).toEqual([]);
    });

    it("a tenant's backend cannot read or list another tenant's credentials", async () => {
      const a = await open(unique());
      const b = await open(unique());
      const ref: CredentialRef = { plugin: 'github', name: 'token', scope: { level: 'org' } };
      await a.put(ref, LEAK, 'boss');
      expect(await b.get(ref)).toBeUndefined();
      expect(await b.list()).toEqual([]);
      expect(await b.delete(ref, 'x')).toBe(false);
      expect(await a.get(ref)).toBe(LEAK);
    });

    it("offboarding: purgeVaultCredentials removes every scope's credentials of one tenant only; repeatable", async () => {
      const tenant = unique();
      const [v, other] = [await open(tenant), await open(`${tenant}-eu`)];
      await v.put({ plugin: 'github', name: 'token', scope: { level: 'user', userId: 'u1' } }, LEAK, 'u1');
      await v.put(
        { plugin: 'github', name: 'token', scope: { level: 'group', groupId: 'eng' } },
        LEAK,
        'lead',
      );
      await v.put({ plugin: 'payments', name: 'api_key', scope: { level: 'org' } }, LEAK, 'boss');
      await other.put({ plugin: 'github', name: 'token', scope: { level: 'org' } }, `${LEAK}-eu`, 'boss');
      expect(await purgeVaultCredentials(v)).toBe(3);
      expect(await v.list()).toEqual([]);
      expect(await v.get({ plugin: 'payments', name: 'api_key', scope: { level: 'org' } })).toBeUndefined();
      // The prefix slug keeps its credential.
      expect(await other.get({ plugin: 'github', name: 'token', scope: { level: 'org' } })).toBe(
        `${LEAK}-eu`,
      );
      expect(await purgeVaultCredentials(v)).toBe(0);
    });

    it('tenant secrets: put, has, list by prefix (names only, sorted), delete; per tenant', async () => {
      const a = await open(unique());
      const b = await open(unique());
      if (!isTenantSecretStore(a) || !isTenantSecretStore(b))
        throw new Error(`${label} stores no tenant secrets`);
      // Out of order and with a gap: listing must not probe 0001 upward.
      for (const key of ['engine-signing-0003', 'engine-signing-0002', 'engine-audit-salt'])
        await a.putTenantSecret(key, `${LEAK}-${key}`, 'provisioner');
      await a.putTenantSecret('engine-signing-0005', `${LEAK}-5`, 'provisioner');
      await a.put({ plugin: 'engine', name: 'x', scope: { level: 'org' } }, LEAK, 'boss');
      expect(await a.listTenantSecrets('engine-signing-')).toEqual([
        'engine-signing-0002',
        'engine-signing-0003',
        'engine-signing-0005',
      ]);
      expect(await a.listTenantSecrets('')).toEqual([
        'engine-audit-salt',
        'engine-signing-0002',
        'engine-signing-0003',
        'engine-signing-0005',
      ]);
      expect(inspect(await a.listTenantSecrets(''))).not.toContain(LEAK);
      expect(await b.listTenantSecrets('engine-signing-')).toEqual([]);
      expect(await b.deleteTenantSecret('engine-signing-0002', 'x')).toBe(false);

      expect(await a.deleteTenantSecret('engine-signing-0002', 'provisioner')).toBe(true);
      expect(await a.deleteTenantSecret('engine-signing-0002', 'provisioner')).toBe(false);
      expect(await a.hasTenantSecret('engine-signing-0002')).toBe(false);
      expect(await a.listTenantSecrets('engine-signing-')).toEqual([
        'engine-signing-0003',
        'engine-signing-0005',
      ]);
      // The credentials are not tenant secrets and stay.
      expect(await a.get({ plugin: 'engine', name: 'x', scope: { level: 'org' } })).toBe(LEAK);

      for (const [call, field] of [
        [() => a.listTenantSecrets('Engine_'), /prefix/],
        [() => a.listTenantSecrets('cred-'), /prefix/],
        [() => a.deleteTenantSecret('../x', 'p'), /key/],
        [() => a.deleteTenantSecret('cred-engine-x', 'p'), /key/],
      ] as const) {
        const error = await call().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(VaultInputError);
        expect((error as Error).message).toMatch(field);
      }
      expect(await a.hasTenantSecret('engine-signing-0003')).toBe(true);
    });
  });
}
