import { describe, expect, it } from 'vitest';
import { hostnameProblem, slugProblem, suggestSlug } from './names.js';

describe('slug rules', () => {
  it.each(['acme', 'acme-corp', 'a1b', 'x'.repeat(40)])('accepts %s', (slug) =>
    expect(slugProblem(slug)).toBeUndefined(),
  );
  it.each([
    ['ab', /3-40 characters/],
    ['x'.repeat(41), /3-40 characters/],
    ['Acme', /lowercase/],
    ['1abc', /start with a letter/],
    ['abc-', /not end with a hyphen/],
    ['a--b', /two hyphens/],
    ['default', /reserved/],
    ['kube-system', /reserved/],
    ['admin', /reserved/],
    ['kube-anything', /reserved/],
  ])('refuses %s', (slug, why) => expect(slugProblem(slug)).toMatch(why));
});

describe('suggestSlug', () => {
  it.each([
    ['Acme Corporation', 'acme-corporation'],
    ['Ünïcödé GmbH & Co. KG', 'unicode-gmbh-co-kg'],
    ['123 Data', 'data'],
    ['X', 'x-team'],
    ['a'.repeat(60), 'a'.repeat(40)],
  ])('%s → %s', (name, slug) => expect(suggestSlug(name)).toBe(slug));
});

describe('hostname rules', () => {
  it('accepts a DNS name', () => expect(hostnameProblem('acme.contextweaver.app')).toBeUndefined());
  it.each([
    ['ACME.example.com', /lowercase/],
    ['*.example.com', /wildcard/],
    ['localhost', /DNS name/],
    ['a..b', /DNS name/],
  ])('refuses %s', (host, why) => expect(hostnameProblem(host)).toMatch(why));
});
