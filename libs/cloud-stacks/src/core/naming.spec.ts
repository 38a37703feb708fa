import { describe, expect, it } from 'vitest';
import { LONG_SLUG } from '../../test/fixtures.js';
import { NAME_RULES, cloudName, type NameRuleName } from './naming.js';

describe('cloudName', () => {
  it('keeps short names as they are', () => {
    expect(cloudName('azureKeyVault', 'kv', 'cw', 'acme')).toBe('kv-cw-acme');
    expect(cloudName('gcpServiceAccount', 'cw', 't', 'acme')).toBe('cw-t-acme');
    expect(cloudName('azureContainerRegistry', 'acr', 'cw', 'platform')).toBe('acrcwplatform');
  });

  it.each(Object.keys(NAME_RULES) as NameRuleName[])(
    '%s: a 40-character slug with a 6-character prefix gives a valid name',
    (rule) => {
      const r = NAME_RULES[rule];
      const parts =
        r.separator === '' ? ['abc', 'cwprod', LONG_SLUG.replace(/-/g, '')] : ['abc', 'cwprod', LONG_SLUG];
      const name = cloudName(rule, ...parts);
      expect(name.length).toBeLessThanOrEqual(r.max);
      expect(name.length).toBeGreaterThanOrEqual(r.min);
      expect(name).toMatch(r.pattern);
    },
  );

  it('truncates deterministically with a hash of the full name, so long slugs sharing a beginning differ', () => {
    const a = cloudName('azureKeyVault', 'kv', 'cw', LONG_SLUG);
    expect(a).toBe(cloudName('azureKeyVault', 'kv', 'cw', LONG_SLUG));
    expect(a).toMatch(/^kv-cw-northwind-t-[0-9a-f]{6}$/);
    expect(a).toHaveLength(24);
    const b = cloudName('azureKeyVault', 'kv', 'cw', `${LONG_SLUG.slice(0, 39)}x`);
    expect(b).not.toBe(a);
    expect(b.slice(0, 17)).toBe(a.slice(0, 17));
  });

  it('never leaves two hyphens in a row where the hyphen falls at the cut', () => {
    // "kv-cw-" + 11 characters ending in "-" at the cut point
    const name = cloudName('azureKeyVault', 'kv', 'cw', 'abcdefghij-klmnopqrstuvwxyz');
    expect(name).not.toContain('--');
    expect(name).toMatch(NAME_RULES.azureKeyVault.pattern);
  });

  it('says what is wrong when the prefix cannot make a valid name', () => {
    expect(() => cloudName('azureKeyVault', 'kv', 'CW', 'acme')).toThrow(
      /Cannot derive a valid Azure Key Vault name from "kv-CW-acme".*platform prefix/,
    );
  });
});
