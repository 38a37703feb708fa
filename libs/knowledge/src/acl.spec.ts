import { describe, expect, it } from 'vitest';
import { aclFor, mayRead, mayWrite, principalsOf, type KnowledgeActor } from './acl.js';
import { KnowledgeInputError } from './errors.js';

const actor = (over: Partial<KnowledgeActor> = {}): KnowledgeActor => ({
  tenant: 't',
  userId: 'alice',
  roles: ['viewer'],
  groups: ['g1'],
  ...over,
});

describe('write rules', () => {
  it('users write their own P5; group admins P4 of their group; managers P3, P2, P1', () => {
    expect(mayWrite(actor(), { level: 'P5', userId: 'alice' }).decision).toBe('allow');
    expect(mayWrite(actor(), { level: 'P5', userId: 'bob' }).decision).toBe('deny');
    expect(mayWrite(actor({ roles: ['manager'] }), { level: 'P5', userId: 'bob' }).decision).toBe('deny');
    expect(mayWrite(actor(), { level: 'P4', groupId: 'g1' })).toEqual({
      decision: 'deny',
      reason: 'only an admin of that group writes its P4 policy',
    });
    expect(mayWrite(actor({ groupAdminOf: ['g1'] }), { level: 'P4', groupId: 'g1' }).decision).toBe('allow');
    expect(mayWrite(actor({ groupAdminOf: ['g1'] }), { level: 'P4', groupId: 'g2' }).decision).toBe('deny');
    for (const scope of [
      { level: 'P3' },
      { level: 'P2', plugin: 'email' },
      { level: 'P1', engine: 'main' },
    ] as const) {
      expect(mayWrite(actor({ roles: ['developer', 'sqa'] }), scope).decision).toBe('deny');
      expect(mayWrite(actor({ roles: ['manager'] }), scope).decision).toBe('allow');
    }
  });
});

describe('principals', () => {
  it('are prefixed and URI-encoded so no id can inject a delimiter or quote into a filter', () => {
    expect(
      principalsOf({
        tenant: 't',
        userId: "o'neil, x",
        groups: ['Equity Research'],
        plugins: ['email'],
        engines: ['e(1)'],
      }),
    ).toEqual([
      'user:o%27neil%2C%20x',
      'group:Equity%20Research',
      'tenant',
      'plugin:email',
      'engine:e%281%29',
    ]);
    expect(() => principalsOf({ tenant: 't', userId: 'a\nb', groups: [] })).toThrow(KnowledgeInputError);
    expect(() => principalsOf({ tenant: 't', userId: 'a', groups: [''] })).toThrow(/principal.groups\[0\]/);
  });
});

describe('in-code re-check (fail closed)', () => {
  const p = { tenant: 't', userId: 'alice', groups: ['g1'] };
  const held = new Set(principalsOf(p));
  const chunk = (over: object) => ({
    tenant: 't',
    level: 'P4' as const,
    scopeId: 'g1',
    acl: ['group:g1'],
    ...over,
  });
  it('allows only a chunk whose ACL is exactly what its level implies and is held', () => {
    expect(mayRead(p, held, chunk({})).decision).toBe('allow');
    expect(mayRead(p, held, chunk({ tenant: 'other' }))).toEqual({
      decision: 'deny',
      reason: 'other tenant',
    });
    expect(mayRead(p, held, chunk({ scopeId: 'g2', acl: ['group:g2'] })).decision).toBe('deny');
    // A record whose ACL was widened (e.g. corrupted to 'tenant') does not match its level: denied.
    expect(mayRead(p, held, chunk({ acl: ['tenant'] }))).toEqual({
      decision: 'deny',
      reason: 'acl does not match level',
    });
    expect(mayRead(p, held, chunk({ acl: ['group:g1', 'tenant'] })).decision).toBe('deny');
    expect(mayRead(p, held, chunk({ level: 'P9' as never })).decision).toBe('deny');
    expect(mayRead(p, held, { ...chunk({}), acl: undefined as never }).decision).toBe('deny');
  });
  it('aclFor names the one principal per level', () => {
    expect(aclFor({ level: 'P3' })).toEqual({ level: 'P3', scopeId: '', acl: ['tenant'] });
    expect(aclFor({ level: 'P2', plugin: 'github' }).acl).toEqual(['plugin:github']);
  });
});
