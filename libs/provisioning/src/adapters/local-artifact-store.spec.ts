import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalArtifactStore } from './local-artifact-store.js';

describe('LocalArtifactStore', () => {
  const store = new LocalArtifactStore(mkdtempSync(join(tmpdir(), 'cw-artifacts-')));

  it('writes atomically, reports unchanged content, lists and removes', async () => {
    expect(await store.write('acme', 'manifests/01-a.yaml', 'a')).toBe(true);
    expect(await store.write('acme', 'manifests/01-a.yaml', 'a')).toBe(false);
    await store.write('acme', 'manifests/sub/02-b.yaml', 'b');
    expect(await store.list('acme', 'manifests')).toEqual(['01-a.yaml', 'sub/02-b.yaml']);
    await store.remove('acme', 'manifests/01-a.yaml');
    expect(await store.read('acme', 'manifests/01-a.yaml')).toBeUndefined();
    expect(await store.list('acme', 'nothing-here')).toEqual([]);
  });

  it('never leaves tenants/<slug>/', () => {
    expect(() => store.path('acme', '../other/tenant.yaml')).toThrow(/escapes tenants\/acme/);
    expect(() => store.path('../etc', 'passwd')).toThrow(/not a tenant slug/);
  });
});
