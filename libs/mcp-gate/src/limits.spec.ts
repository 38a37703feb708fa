import { describe, expect, it } from 'vitest';
import { checkLimits, effectiveLimits, type LimitPolicy } from './limits.js';
import type { LimitRule, ToolUser } from './plugin.js';

const user: ToolUser = {
  id: 'u1',
  email: 'a@b.test',
  role: 'developer',
  groups: ['staff', 'ops'],
  tenant: 't',
};
const tool = 'email.send';
const org = (rules: LimitPolicy['rules'], extra: Partial<LimitPolicy> = {}): LimitPolicy => ({
  tool,
  scope: { level: 'org' },
  rules,
  ...extra,
});
const group = (groupId: string, rules: LimitPolicy['rules']): LimitPolicy => ({
  tool,
  scope: { level: 'group', groupId },
  rules,
});
const mine = (rules: LimitPolicy['rules']): LimitPolicy => ({
  tool,
  scope: { level: 'user', userId: 'u1' },
  rules,
});
const check = (
  policies: LimitPolicy[],
  args: Record<string, unknown>,
  defaults: readonly LimitRule[] = [{ argument: 'recipients', maxItems: 20 }],
) => checkLimits(tool, effectiveLimits(tool, defaults, policies, user), args);
const recipients = (n: number) => Array.from({ length: n }, (_, i) => `r${i}@acme.test`);

describe('effective limits', () => {
  it('the plugin default applies without policies', () => {
    expect(check([], { recipients: recipients(20) }).ok).toBe(true);
    expect(check([], { recipients: recipients(21) })).toEqual({
      ok: false,
      detail: expect.stringMatching(/default limit of 20 items/),
    });
  });

  it('the most specific level wins: user over group over org', () => {
    const policies = [
      org([{ argument: 'recipients', maxItems: 5 }]),
      group('staff', [{ argument: 'recipients', maxItems: 10 }]),
    ];
    expect(check(policies, { recipients: recipients(8) }).ok).toBe(true);
    expect(check(policies, { recipients: recipients(11) })).toMatchObject({
      detail: expect.stringMatching(/group limit of 10/),
    });
    expect(
      check([...policies, mine([{ argument: 'recipients', maxItems: 30 }])], { recipients: recipients(25) })
        .ok,
    ).toBe(true);
  });

  it('two groups of the user: the stricter value holds', () => {
    const policies = [
      group('staff', [{ argument: 'recipients', maxItems: 10 }]),
      group('ops', [{ argument: 'recipients', maxItems: 3 }]),
    ];
    expect(check(policies, { recipients: recipients(4) })).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/group limit of 3/),
    });
    // A group the user is not in does not apply.
    expect(
      check([group('finance', [{ argument: 'recipients', maxItems: 1 }])], { recipients: recipients(4) }).ok,
    ).toBe(true);
  });

  it('an org ceiling caps group and user levels, and intersects allowed domains', () => {
    const policies = [
      org([{ argument: 'recipients', maxItems: 6, allowedDomains: ['acme.test'] }], { ceiling: true }),
      mine([{ argument: 'recipients', maxItems: 50, allowedDomains: ['acme.test', 'gmail.com'] }]),
    ];
    expect(check(policies, { recipients: recipients(7) })).toMatchObject({
      detail: expect.stringMatching(/org limit of 6/),
    });
    expect(check(policies, { recipients: ['x@gmail.com'] })).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/outside the org allowed list/),
    });
    expect(check(policies, { recipients: ['x@mail.acme.test'] }).ok).toBe(true);
  });

  it('without a ceiling a more specific level may loosen the org value', () => {
    const policies = [
      org([{ argument: 'recipients', maxItems: 6 }]),
      mine([{ argument: 'recipients', maxItems: 50 }]),
    ];
    expect(check(policies, { recipients: recipients(40) }).ok).toBe(true);
  });

  it('numbers, bytes, comma-separated lists and approval thresholds', () => {
    const defaults = [
      { argument: 'amount', max: 100, approvalAbove: 50 },
      { argument: 'body', maxBytes: 10 },
      { argument: 'to', maxItems: 2 },
    ];
    expect(check([], { amount: 101 }, defaults)).toMatchObject({ ok: false });
    expect(check([], { amount: 60 }, defaults)).toEqual({
      ok: true,
      approvalNeeded: ['email.send.amount is above 50'],
    });
    expect(check([], { body: 'ü'.repeat(6) }, defaults)).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/10 bytes/),
    });
    expect(check([], { to: 'a@x.test, b@x.test, c@x.test' }, defaults)).toMatchObject({ ok: false });
  });

  it('refusal texts never carry the argument value', () => {
    const r = check([], { recipients: ['secret.person@evil.test'] }, [
      { argument: 'recipients', allowedDomains: ['acme.test'] },
    ] as never);
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r)).not.toContain('secret.person');
  });

  it('approval set by policy: the most specific level decides', () => {
    const p = [org([], { approval: true }), mine([])];
    expect(effectiveLimits(tool, [], p, user).approval).toBe(true);
    expect(effectiveLimits(tool, [], [...p, { ...mine([]), approval: false }], user).approval).toBe(false);
  });
});
