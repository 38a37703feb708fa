import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalFileVault } from './local-file.vault.js';

let dir: string;
let vault: LocalFileVault;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cw-vault-'));
  vault = new LocalFileVault(join(dir, 'vault'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('local file vault', () => {
  it('writes <slug>/<key> with 0600 in a 0700 directory, replacing the old value', async () => {
    await vault.put({ slug: 'acme' }, 'oidc-secret', 'first');
    await vault.put({ slug: 'acme' }, 'oidc-secret', 'second');
    const file = join(dir, 'vault', 'acme', 'oidc-secret');
    expect(await readFile(file, 'utf8')).toBe('second');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'vault', 'acme'))).mode & 0o777).toBe(0o700);
    expect(await vault.has({ slug: 'acme' }, 'oidc-secret')).toBe(true);
    expect(await vault.has({ slug: 'acme' }, 'other')).toBe(false);
  });

  it('refuses names that would leave the vault directory', async () => {
    await expect(vault.put({ slug: '../etc' }, 'k', 'v')).rejects.toThrow(/not a tenant slug/);
    await expect(vault.put({ slug: 'acme' }, '../../passwd', 'v')).rejects.toThrow(/not a vault secret name/);
    await expect(vault.put({ slug: 'acme' }, 'a/b', 'v')).rejects.toThrow(/not a vault secret name/);
    await expect(vault.put({ slug: 'acme' }, 'a..b', 'v')).rejects.toThrow(/not a vault secret name/);
  });
});
