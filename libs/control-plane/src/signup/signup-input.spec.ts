import { describe, expect, it } from 'vitest';
import { parseSignupInput } from './signup-input.js';

const good = {
  organisationName: 'Acme Corp',
  slug: 'acme-corp',
  email: 'ada@Example.COM',
  plan: 'team',
  seats: 5,
  cloud: 'azure',
  region: 'westeurope',
};
const parse = (input: unknown, source: 'json' | 'form' = 'json') =>
  parseSignupInput(input, { baseDomain: 'localtest.me', source });
const fieldsOf = (input: unknown, source: 'json' | 'form' = 'json') => {
  const r = parse(input, source);
  return r.ok ? {} : Object.fromEntries(r.fields.map((f) => [f.path, f.message]));
};

describe('parseSignupInput', () => {
  it('turns good input into a spec with the hostname derived from the slug', () => {
    const r = parse(good);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.draft).toMatchObject({
      slug: 'acme-corp',
      email: 'ada@example.com',
      organisationName: 'Acme Corp',
    });
    expect(r.draft.spec).toMatchObject({
      displayName: 'Acme Corp',
      plan: 'team',
      seats: 5,
      cloud: { provider: 'azure', region: 'westeurope' },
      isolation: 'shared',
      hostname: 'acme-corp.localtest.me',
    });
  });

  it('suggests the slug from the name when none is given, and accepts form text for seats', () => {
    const r = parse({ ...good, slug: '', seats: '7', organisationName: 'Zürich Widgets AG' }, 'form');
    expect(r.ok && r.draft.slug).toBe('zurich-widgets-ag');
    expect(r.ok && r.draft.spec.seats).toBe(7);
  });

  it('names every missing field', () => {
    expect(Object.keys(fieldsOf({})).sort()).toEqual([
      'cloud',
      'email',
      'organisationName',
      'plan',
      'region',
      'seats',
    ]);
  });

  it('rejects wrong types without touching the model', () => {
    expect(fieldsOf({ ...good, seats: '5' })).toEqual({ seats: 'must be a number, not text' });
    expect(fieldsOf({ ...good, seats: 2.5 })).toEqual({ seats: 'must be a whole number (got 2.5)' });
    expect(fieldsOf({ ...good, plan: ['team', 'starter'] })).toMatchObject({
      plan: 'must be a single value',
    });
    expect(fieldsOf({ ...good, email: 42 })).toMatchObject({ email: 'must be text (got number)' });
    expect(fieldsOf({ ...good, extra: 1 })).toEqual({ extra: 'unknown field' });
    expect(parse('just text').ok).toBe(false);
  });

  it('rejects oversized fields', () => {
    expect(fieldsOf({ ...good, organisationName: 'x'.repeat(5000) })).toMatchObject({
      organisationName: expect.stringContaining('too long'),
    });
    expect(fieldsOf({ ...good, organisationName: 'x'.repeat(150) })).toMatchObject({
      organisationName: 'must be at most 100 characters',
    });
  });

  it('rejects unicode tricks: bidi overrides, zero-width characters, look-alike e-mail letters', () => {
    expect(fieldsOf({ ...good, organisationName: 'Acme\u202Eproc' })).toMatchObject({
      organisationName: expect.stringContaining('U+202E'),
    });
    expect(fieldsOf({ ...good, organisationName: 'Ac\u200Bme' })).toMatchObject({
      organisationName: expect.stringContaining('U+200B'),
    });
    expect(fieldsOf({ ...good, email: 'ada@exаmple.com' })).toMatchObject({
      email: expect.stringContaining('ASCII'),
    });
    expect(fieldsOf({ ...good, slug: 'аcme' })).toMatchObject({
      slug: expect.stringContaining('lowercase letters'),
    });
  });

  it('rejects reserved and malformed slugs, bad e-mails and plan rules by field', () => {
    expect(fieldsOf({ ...good, slug: 'admin' })).toMatchObject({ slug: expect.stringContaining('reserved') });
    expect(fieldsOf({ ...good, slug: 'kube-foo' })).toMatchObject({
      slug: expect.stringContaining('reserved'),
    });
    expect(fieldsOf({ ...good, email: 'not-an-email' })).toMatchObject({
      email: expect.stringContaining('e-mail address'),
    });
    expect(fieldsOf({ ...good, plan: 'starter', seats: 50 })).toMatchObject({
      seats: expect.stringContaining('outside the starter plan'),
    });
    expect(fieldsOf({ ...good, plan: 'starter', seats: 2, isolation: 'dedicated' })).toMatchObject({
      isolation: expect.stringContaining('not available on the starter plan'),
    });
    expect(fieldsOf({ ...good, cloud: 'aws', region: 'westeurope' })).toMatchObject({
      region: expect.stringContaining('not a region of aws'),
    });
    expect(fieldsOf({ ...good, cloud: 'moon' })).toMatchObject({
      cloud: expect.stringContaining('not allowed'),
    });
  });
});
