import { describe, expect, it } from 'vitest';
import { AuthorizationError } from './errors.js';
import { claimStrings, hasRole, highestRole, requireRole, resolveRoles } from './roles.js';

describe('roles', () => {
  it('orders viewer < developer < sqa < manager', () => {
    expect(hasRole({ roles: ['manager'] }, 'viewer')).toBe(true);
    expect(hasRole({ roles: ['sqa'] }, 'developer')).toBe(true);
    expect(hasRole({ roles: ['developer'] }, 'sqa')).toBe(false);
    expect(hasRole({ roles: [] }, 'viewer')).toBe(true);
    expect(highestRole(['developer', 'manager', 'viewer'])).toBe('manager');
  });

  it('ignores unknown role names, matches case-insensitively, and falls back to viewer', () => {
    expect(resolveRoles(['Manager', 'admin'], [], {})).toEqual(['manager']);
    expect(resolveRoles(['root', 'superuser'], [], {})).toEqual(['viewer']);
    expect(resolveRoles([], [], {})).toEqual(['viewer']);
  });

  it('adds roles of mapped groups, sorted low to high', () => {
    expect(resolveRoles(['developer'], ['g1', 'g-unknown'], { g1: 'sqa' })).toEqual(['developer', 'sqa']);
  });

  it('reads claims given as arrays or as space/comma separated strings', () => {
    expect(claimStrings(['a', 1, '', 'b'])).toEqual(['a', 'b']);
    expect(claimStrings('manager viewer,sqa')).toEqual(['manager', 'viewer', 'sqa']);
    expect(claimStrings({ nested: true })).toEqual([]);
  });

  it('requireRole throws an AuthorizationError naming the required role', () => {
    expect(() => requireRole({ roles: ['viewer'] }, 'manager')).toThrow(AuthorizationError);
    expect(() => requireRole({ roles: ['viewer'] }, 'manager')).toThrow('"manager"');
  });
});
