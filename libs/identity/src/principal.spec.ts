import { describe, expect, it } from 'vitest';
import { auditActor } from './audit.js';
import { AuthenticationError } from './errors.js';
import { principalFromClaims, readClaim, type ClaimPolicy } from './principal.js';
import { principalToSession } from './session.js';

const policy: ClaimPolicy = {
  allowedTenantIds: [],
  tenantIdClaim: 'tid',
  rolesClaim: 'roles',
  groupsClaim: 'groups',
  groupRoleMap: {},
};
const base = { iss: 'https://idp.example', sub: 'u-1', exp: 2_000_000_000 };

describe('principalFromClaims', () => {
  it('takes the e-mail from email, else preferred_username or upn (Entra access tokens)', () => {
    expect(principalFromClaims({ ...base, email: 'a@x.example' }, policy).email).toBe('a@x.example');
    expect(principalFromClaims({ ...base, preferred_username: 'b@x.example' }, policy).email).toBe(
      'b@x.example',
    );
    expect(
      principalFromClaims({ ...base, preferred_username: 'bob', upn: 'c@x.example' }, policy).email,
    ).toBe('c@x.example');
    expect(principalFromClaims({ ...base, preferred_username: 'bob' }, policy).email).toBeNull();
  });

  it('enforces the tenant allowlist only when one is configured', () => {
    expect(principalFromClaims({ ...base, tid: 't-2' }, policy).tenantId).toBe('t-2');
    const strict = { ...policy, allowedTenantIds: ['t-1'] };
    expect(() => principalFromClaims({ ...base, tid: 't-2' }, strict)).toThrow(AuthenticationError);
    expect(() => principalFromClaims(base, strict)).toThrow(/tenant_not_allowed/);
  });

  it('reads claims by exact name first, then by dotted path', () => {
    expect(readClaim({ 'https://cw.example/roles': ['sqa'] }, 'https://cw.example/roles')).toEqual(['sqa']);
    expect(
      readClaim(
        { resource_access: { 'cw-admin': { roles: ['manager'] } } },
        'resource_access.cw-admin.roles',
      ),
    ).toEqual(['manager']);
    expect(readClaim({ a: 1 }, 'a.b.c')).toBeUndefined();
  });
});

describe('session and audit', () => {
  it('maps a principal to the shared session shape, falling back to the subject without e-mail', () => {
    const principal = principalFromClaims({ ...base, roles: ['sqa'], groups: ['g'] }, policy);
    expect(principalToSession(principal)).toEqual({
      email: 'u-1',
      displayName: 'u-1',
      roles: ['sqa'],
      groups: ['g'],
      source: 'oidc',
      authenticated: true,
    });
  });

  it('audits a pseudonym, never the e-mail', () => {
    const principal = principalFromClaims({ ...base, email: 'Ada@Support.example' }, policy);
    const actor = auditActor(principal);
    expect(actor).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(actor).toBe(auditActor({ ...principalToSession(principal), email: 'ada@support.example' }));
    expect(auditActor(principalFromClaims(base, policy))).not.toBe(actor);
  });
});
