import { describe, expect, it } from 'vitest';
import { highestRole, stripIdentityKeys } from './identity.js';

describe('identity', () => {
  it('the highest known role counts; none or unknown → viewer', () => {
    expect(highestRole(['developer', 'manager', 'sqa'])).toBe('manager');
    expect(highestRole(['admin', 'root'])).toBe('viewer');
    expect(highestRole([])).toBe('viewer');
  });

  it('strips identity-looking keys unless the tool declares them', () => {
    const { args, stripped } = stripIdentityKeys(
      {
        to: 'a@b.test',
        _user_email: 'x',
        $Role: 'manager',
        USER_ID: 'u',
        groups: ['g'],
        email: 'keep@b.test',
      },
      new Set(['to', 'email']),
    );
    expect(args).toEqual({ to: 'a@b.test', email: 'keep@b.test' });
    expect(stripped.sort()).toEqual(['$Role', 'USER_ID', '_user_email', 'groups']);
  });
});
