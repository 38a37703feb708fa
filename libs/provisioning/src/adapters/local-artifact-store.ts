/** ArtifactStore over a local directory (`tenants/` by default): `tenants/<slug>/<path>`. */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { slugProblem } from '@cw/tenant-model';
import type { ArtifactStore } from '../ports.js';

export class LocalArtifactStore implements ArtifactStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  path(slug: string, ...relPath: string[]): string {
    // A slug is a DNS label; anything else (`..`, `/`) would escape the tenant's directory.
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(slug))
      throw new Error(`not a tenant slug: "${slug}" (${slugProblem(slug) ?? 'invalid'})`);
    const base = join(this.root, slug);
    const full = resolve(base, ...relPath);
    if (full !== base && !full.startsWith(base + sep))
      throw new Error(`artifact path escapes tenants/${slug}/: ${relPath.join('/')}`);
    return full;
  }

  async read(slug: string, relPath: string): Promise<string | undefined> {
    try {
      return await readFile(this.path(slug, relPath), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async write(slug: string, relPath: string, content: string): Promise<boolean> {
    if ((await this.read(slug, relPath)) === content) return false;
    const file = this.path(slug, relPath);
    await mkdir(dirname(file), { recursive: true });
    // Write then rename: a crash never leaves a half-written artifact for the next attempt.
    // One fixed temp name per file: a worker killed between write and rename leaves a temp file
    // that the retried step's write overwrites and renames, instead of a stray per attempt.
    // (Steps of one tenant never run concurrently, so two writers never share the name.)
    const tmp = `${file}.tmp`;
    await writeFile(tmp, content);
    await rename(tmp, file);
    return true;
  }

  async list(slug: string, relDir: string): Promise<string[]> {
    const dir = this.path(slug, relDir);
    try {
      const entries = await readdir(dir, { recursive: true, withFileTypes: true });
      return entries
        .filter((e) => e.isFile() && !e.name.endsWith('.tmp'))
        .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
        .sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  async remove(slug: string, relPath: string): Promise<void> {
    await rm(this.path(slug, relPath), { recursive: true, force: true });
  }
}
