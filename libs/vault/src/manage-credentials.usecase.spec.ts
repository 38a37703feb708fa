import { describe, expect, it } from 'vitest';
import { MemoryVaultBackend } from './backends/memory.backend.js';
import { CredentialResolver } from './credential-resolver.js';
import { hashActor } from './credential-ref.js';
import {
  ManageCredentialsUseCase,
  type CredentialAuditEvent,
  type VaultActor,
} from './manage-credentials.usecase.js';
import { VaultForbiddenError, VaultInputError } from './vault.errors.js';
import type { CredentialRef } from './vault.port.js';

const ada: VaultActor = { userId: 'ada@acme.com', groups: ['eng'] };
const lead: VaultActor = { userId: 'lead@acme.com', groups: ['eng'], adminOf: ['eng'] };
const boss: VaultActor = { userId: 'boss@acme.com', groups: [], orgManager: true };
const ref = (scope: CredentialRef['scope']): CredentialRef => ({ plugin: 'github', name: 'token', scope });

function setup() {
  const backend = new MemoryVaultBackend('acme');
  const audit: CredentialAuditEvent[] = [];
  const resolver = new CredentialResolver(backend, { cacheTtlMs: 60_000 });
  const manage = new ManageCredentialsUseCase(backend, {
    audit: (e) => void audit.push(e),
    resolvers: [resolver],
    declares: (plugin, name) => plugin === 'github' && (name === 'token' || name === 'app_key'),
  });
  return { backend, audit, resolver, manage };
}

describe('ManageCredentialsUseCase', () => {
  it('users set their own, group admins their group, org managers the org; others are refused and audited', async () => {
    const { manage, audit } = setup();
    await manage.set(ada, ref({ level: 'user', userId: ada.userId }), 'a');
    await manage.set(lead, ref({ level: 'group', groupId: 'eng' }), 'g');
    await manage.set(boss, ref({ level: 'org' }), 'o');
    const refused = [
      () => manage.set(ada, ref({ level: 'user', userId: lead.userId }), 'x'),
      () => manage.set(ada, ref({ level: 'group', groupId: 'eng' }), 'x'),
      () => manage.set(lead, ref({ level: 'org' }), 'x'),
      () => manage.delete(boss, ref({ level: 'group', groupId: 'eng' })),
    ];
    for (const call of refused) await expect(call()).rejects.toBeInstanceOf(VaultForbiddenError);
    expect(audit.map((e) => `${e.action}:${e.level}:${e.outcome}`)).toEqual([
      'credential.set:user:ok',
      'credential.set:group:ok',
      'credential.set:org:ok',
      'credential.set:user:refused',
      'credential.set:group:refused',
      'credential.set:org:refused',
      'credential.delete:group:refused',
    ]);
    expect(audit[0]?.actor).toBe(hashActor('acme', ada.userId));
    expect(JSON.stringify(audit)).not.toMatch(/@acme\.com/);
  });

  it('lists metadata that applies to the actor, never values; others’ user scopes are refused', async () => {
    const { manage } = setup();
    await manage.set(ada, ref({ level: 'user', userId: ada.userId }), 'VALUE-A');
    await manage.set(lead, ref({ level: 'group', groupId: 'eng' }), 'VALUE-G');
    await manage.set(boss, { ...ref({ level: 'org' }), name: 'app_key' }, 'VALUE-O');
    const mine = await manage.list(ada);
    expect(mine.map((m) => `${m.scope.level}:${m.name}`)).toEqual([
      'user:token',
      'group:token',
      'org:app_key',
    ]);
    expect(JSON.stringify(mine)).not.toContain('VALUE-');
    await expect(manage.list(ada, { scope: { level: 'user', userId: lead.userId } })).rejects.toBeInstanceOf(
      VaultForbiddenError,
    );
  });

  it('a rotation is seen by the resolver at once; a delete falls back to the next level', async () => {
    const { manage, resolver } = setup();
    const req = { userId: ada.userId, groups: ada.groups, plugin: 'github', name: 'token' };
    await manage.set(lead, ref({ level: 'group', groupId: 'eng' }), 'g1');
    await manage.set(ada, ref({ level: 'user', userId: ada.userId }), 'u1');
    const first = await resolver.resolve(req);
    expect(first.found && first.reveal()).toBe('u1');
    await manage.rotate(ada, ref({ level: 'user', userId: ada.userId }), 'u2');
    const rotated = await resolver.resolve(req);
    expect(rotated.found && rotated.reveal()).toBe('u2');
    await manage.delete(ada, ref({ level: 'user', userId: ada.userId }));
    const fallback = await resolver.resolve(req);
    expect(fallback.found && [fallback.level, fallback.reveal()]).toEqual(['group', 'g1']);
  });

  it('bad input names the field and writes nothing', async () => {
    const { manage, backend, audit } = setup();
    const cases: [() => Promise<unknown>, RegExp][] = [
      [
        () => manage.set(ada, { ...ref({ level: 'user', userId: ada.userId }), name: 'unknown' }, 'x'),
        /^name: plugin "github" declares no credential/,
      ],
      [
        () => manage.set(ada, { ...ref({ level: 'user', userId: ada.userId }), plugin: '../x' }, 'x'),
        /^plugin: /,
      ],
      [() => manage.set(ada, ref({ level: 'user', userId: ada.userId }), 'x'.repeat(20_000)), /^value: /],
      [() => manage.set(ada, ref({ level: 'everyone' } as never), 'x'), /^scope\.level: /],
    ];
    for (const [call, field] of cases) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(VaultInputError);
      expect(String((error as Error).message)).toMatch(field);
    }
    expect(await backend.list()).toEqual([]);
    expect(audit).toEqual([]);
  });
});
