import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { MemoryVaultBackend } from './backends/memory.backend.js';
import { CredentialResolver } from './credential-resolver.js';
import { CredentialConflictError, VaultInputError, VaultUnavailableError } from './vault.errors.js';
import type { CredentialRef, VaultBackend } from './vault.port.js';

const plugin = 'github';
const name = 'token';
const user = (userId: string): CredentialRef => ({ plugin, name, scope: { level: 'user', userId } });
const group = (groupId: string): CredentialRef => ({ plugin, name, scope: { level: 'group', groupId } });
const org: CredentialRef = { plugin, name, scope: { level: 'org' } };

async function setup() {
  const backend = new MemoryVaultBackend('acme');
  return { backend, resolver: new CredentialResolver(backend) };
}

const reveal = (r: Awaited<ReturnType<CredentialResolver['resolve']>>) => (r.found ? r.reveal() : undefined);

describe('CredentialResolver cascade', () => {
  it('user beats group beats org; nothing → the My Credentials message', async () => {
    const { backend, resolver } = await setup();
    const req = { userId: 'ada', groups: ['eng'], plugin, name };
    expect(await resolver.resolve(req)).toEqual({
      found: false,
      message: 'configure your credentials in My Credentials',
    });
    await backend.put(org, 'org-value', 'boss');
    resolver.invalidate();
    let r = await resolver.resolve(req);
    expect([r.found && r.level, reveal(r)]).toEqual(['org', 'org-value']);
    await backend.put(group('eng'), 'eng-value', 'lead');
    resolver.invalidate();
    r = await resolver.resolve(req);
    expect([r.found && r.level, r.found && r.groupId, reveal(r)]).toEqual(['group', 'eng', 'eng-value']);
    await backend.put(user('ada'), 'ada-value', 'ada');
    resolver.invalidate(user('ada'));
    r = await resolver.resolve(req);
    expect([r.found && r.level, reveal(r)]).toEqual(['user', 'ada-value']);
    // another user of the same group gets the group's, not ada's
    r = await resolver.resolve({ ...req, userId: 'bob' });
    expect([r.found && r.level, reveal(r)]).toEqual(['group', 'eng-value']);
  });

  it('two groups holding it conflict, naming both in sorted order; naming a group resolves it', async () => {
    const { backend, resolver } = await setup();
    await backend.put(group('ops'), 'ops-value', 'x');
    await backend.put(group('eng'), 'eng-value', 'x');
    await backend.put(org, 'org-value', 'x');
    const req = { userId: 'ada', groups: ['ops', 'sales', 'eng'], plugin, name };
    const error = await resolver.resolve(req).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialConflictError);
    expect((error as CredentialConflictError).groups).toEqual(['eng', 'ops']);
    expect((error as Error).message).toMatch(/eng, ops/);
    const r = await resolver.resolve({ ...req, group: 'ops' });
    expect([r.found && r.groupId, reveal(r)]).toEqual(['ops', 'ops-value']);
    // naming a group without the credential falls through to the org
    const s = await resolver.resolve({ ...req, group: 'sales' });
    expect([s.found && s.level, reveal(s)]).toEqual(['org', 'org-value']);
    await expect(resolver.resolve({ ...req, group: 'hr' })).rejects.toThrow(
      /^group: is not one of your groups/,
    );
  });

  it('group order is deterministic whatever the claim order', async () => {
    const { backend, resolver } = await setup();
    await backend.put(group('b'), 'b-value', 'x');
    for (const groups of [
      ['a', 'b', 'c'],
      ['c', 'b', 'a'],
      ['b', 'b'],
    ]) {
      const r = await resolver.resolve({ userId: 'u', groups, plugin, name });
      expect(r.found && r.groupId).toBe('b');
    }
  });

  it('caches reads until invalidated or expired', async () => {
    let t = 0;
    const backend = new MemoryVaultBackend('acme');
    const resolver = new CredentialResolver(backend, { cacheTtlMs: 1000, now: () => t });
    await backend.put(org, 'v1', 'x');
    const req = { userId: 'u', groups: [], plugin, name };
    expect(reveal(await resolver.resolve(req))).toBe('v1');
    await backend.put(org, 'v2', 'x');
    expect(reveal(await resolver.resolve(req))).toBe('v1');
    resolver.invalidate(org);
    expect(reveal(await resolver.resolve(req))).toBe('v2');
    await backend.put(org, 'v3', 'x');
    t = 1001;
    expect(reveal(await resolver.resolve(req))).toBe('v3');
  });

  it('a backend failure is VaultUnavailableError, never a fallback to a lower level', async () => {
    const backend = new MemoryVaultBackend('acme');
    await backend.put(org, 'org-value', 'x');
    const failing: VaultBackend = {
      tenant: 'acme',
      put: backend.put.bind(backend),
      list: backend.list.bind(backend),
      delete: backend.delete.bind(backend),
      get: async (ref) => {
        if (ref.scope.level === 'group')
          throw Object.assign(new Error('ECONNREFUSED secret=hunter2'), { code: 'ECONNREFUSED' });
        return backend.get(ref);
      },
    };
    const events: unknown[] = [];
    const resolver = new CredentialResolver(failing, { onResolve: (e) => events.push(e) });
    const error = await resolver
      .resolve({ userId: 'u', groups: ['g'], plugin, name })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VaultUnavailableError);
    expect((error as Error).message).not.toMatch(/hunter2/);
    expect(events).toMatchObject([{ outcome: 'unavailable', plugin, name }]);
  });

  it('bad requests name the field', async () => {
    const { resolver } = await setup();
    await expect(resolver.resolve({ userId: '', groups: [], plugin, name })).rejects.toThrow(/^userId: /);
    await expect(resolver.resolve({ userId: 'u', groups: [], plugin: '../x', name })).rejects.toThrow(
      /^plugin: /,
    );
    await expect(resolver.resolve({ userId: 'u', groups: [], plugin, name: 'a/b' })).rejects.toThrow(
      /^name: /,
    );
    await expect(
      resolver.resolve({ userId: 'u', groups: ['ok', 'x\n'], plugin, name }),
    ).rejects.toBeInstanceOf(VaultInputError);
  });

  it('a found result shows no value in JSON, inspect or events', async () => {
    const { backend } = await setup();
    const events: unknown[] = [];
    const resolver = new CredentialResolver(backend, { onResolve: (e) => events.push(e) });
    await backend.put(user('ada'), 'sk-live-LEAKCHECK', 'ada');
    const r = await resolver.resolve({ userId: 'ada', groups: [], plugin, name });
    expect(reveal(r)).toBe('sk-live-LEAKCHECK');
    const shown = JSON.stringify(r) + inspect(r) + `${String(r)}` + JSON.stringify(events) + inspect(events);
    expect(shown).not.toContain('LEAKCHECK');
    expect(JSON.stringify(r)).toBe('{"found":true,"level":"user"}');
  });
});
