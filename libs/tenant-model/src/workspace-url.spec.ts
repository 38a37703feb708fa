import { describe, expect, it } from 'vitest';
import { workspaceUrlFrom } from './effective.js';
import type { TenantSpec } from './schema.js';

const spec = { hostname: 'acme.contextweaver.app' } as TenantSpec;

describe('workspaceUrlFrom', () => {
  it('is https://<spec.hostname> without a template', () => {
    expect(workspaceUrlFrom()({ slug: 'acme', spec })).toBe('https://acme.contextweaver.app');
  });

  it('fills {slug} of a template, without a trailing slash', () => {
    expect(workspaceUrlFrom('http://{slug}.localtest.me:3080/')({ slug: 'acme-eu', spec })).toBe(
      'http://acme-eu.localtest.me:3080',
    );
  });

  it('refuses a template that does not start with the {slug} host label', () => {
    for (const bad of ['http://localtest.me:3080', 'ftp://{slug}.example', 'http://x{slug}.example'])
      expect(() => workspaceUrlFrom(bad), bad).toThrow(/workspace URL template/);
  });
});
