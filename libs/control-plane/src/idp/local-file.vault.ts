/**
 * SecretVault on the local disk: `<dir>/<slug>/<key>`, directories 0700 and files 0600, written
 * atomically (temp file + rename) so a reader never sees half a secret. For `npm start`, tests
 * and single-node installs; production on a cloud uses the tenant's cloud vault.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SLUG_PATTERN } from '@cw/tenant-model';
import { SECRET_KEY_PATTERN, type SecretVault, type VaultTarget } from './secret-vault.js';

const SLUG_RE = new RegExp(SLUG_PATTERN);

export class LocalFileVault implements SecretVault {
  readonly kind = 'local-file';
  private readonly root: string;

  /** @param dir default `.data/vault` */
  constructor(dir = '.data/vault') {
    this.root = resolve(dir);
  }

  /** Refuses names that could leave the vault directory (`..`, `/`). */
  path(target: VaultTarget, key: string): string {
    if (!SLUG_RE.test(target.slug))
      throw new Error(`not a tenant slug: ${JSON.stringify(target.slug.slice(0, 50))}`);
    if (!SECRET_KEY_PATTERN.test(key) || key.includes('..'))
      throw new Error(`not a vault secret name: ${JSON.stringify(key.slice(0, 50))}`);
    return join(this.root, target.slug, key);
  }

  async put(target: VaultTarget, key: string, value: string): Promise<void> {
    const file = this.path(target, key);
    const dir = join(this.root, target.slug);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
    const temp = join(dir, `.${key}.${randomBytes(6).toString('hex')}.tmp`);
    // mode applies at creation; chmod again in case a umask narrowed or a stale file widened it.
    await writeFile(temp, value, { mode: 0o600, flag: 'wx' });
    await chmod(temp, 0o600);
    await rename(temp, file);
  }

  async has(target: VaultTarget, key: string): Promise<boolean> {
    try {
      return (await stat(this.path(target, key))).isFile();
    } catch {
      return false;
    }
  }
}
