/**
 * What makes a tenant's first start slow on a laptop, and the two things the local data plane
 * does about it before starting any tenant (measured with `--cpu-prof` on one cerebro first start,
 * 18.8 s at load 10: 7.1 s in PGlite's initdb alone, ~10 s in PGlite overall, ~2 s loading modules):
 *
 * - **PGlite template.** Every PGlite a tenant opens (cerebro's knowledge index always; the stores
 *   too without DATABASE_URL) starts with an initdb: 13.6 s of wasm at load 13 for an empty
 *   directory, against 0.9 s to copy an initialised one and 1.2 s to open that copy. One template
 *   is initialised per machine and PGlite version (.data/data-plane/.pglite-<version>/) and copied
 *   into each new tenant's empty data directory before its process starts.
 * - **Bundles.** The apps run from their esbuild bundles (apps/<app>/dist/app/main.js, the ones
 *   the images are built from) instead of the sources under tsx; they are rebuilt (~1 s) when a
 *   source under apps/<app>/ or libs/ (or package-lock.json) is newer than the bundle.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';

const run = promisify(execFile);
export const BUNDLED_APPS = ['cerebro', 'mcp-engine'] as const;

/** The newest modification time (ms) of the files under `dir`, skipping build output and packages. */
async function newestUnder(dir: string): Promise<number> {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    newest = Math.max(
      newest,
      entry.isDirectory() ? await newestUnder(path) : entry.isFile() ? (await stat(path)).mtimeMs : 0,
    );
  }
  return newest;
}

/** True when apps/<app>/dist/app/main.js is missing or older than a source it is built from. */
export async function bundleIsStale(root: string, app: string): Promise<boolean> {
  const main = join(root, 'apps', app, 'dist/app/main.js');
  if (!existsSync(main)) return true;
  const built = (await stat(main)).mtimeMs;
  for (const source of [join(root, 'apps', app), join(root, 'libs')])
    if ((await newestUnder(source)) > built) return true;
  const lock = join(root, 'package-lock.json');
  return existsSync(lock) && (await stat(lock)).mtimeMs > built;
}

/** Builds each app's bundle whose sources changed since (apps/<app>/scripts/build.mjs). Returns the apps built. */
export async function ensureBundles(root: string): Promise<string[]> {
  const stale: string[] = [];
  for (const app of BUNDLED_APPS) if (await bundleIsStale(root, app)) stale.push(app);
  await Promise.all(
    stale.map((app) =>
      run(process.execPath, [join(root, 'apps', app, 'scripts/build.mjs')], {
        cwd: root,
        maxBuffer: 8 << 20,
      }),
    ),
  );
  return stale;
}

export async function pgliteVersion(root: string): Promise<string> {
  const pkg = JSON.parse(
    await readFile(join(root, 'node_modules/@electric-sql/pglite/package.json'), 'utf8'),
  ) as { version: string };
  return pkg.version;
}

/** An initialised PGlite data directory (PG_VERSION present). */
const initialised = (dir: string) => existsSync(join(dir, 'PG_VERSION'));

/** Initialises the template once (into a temporary folder, renamed when complete). */
export async function preparePgliteTemplate(dir: string): Promise<void> {
  if (initialised(dir)) return;
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true, mode: 0o700 });
  const db = await PGlite.create(tmp);
  await db.query('select 1');
  await db.close();
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
}

/**
 * Copies the template into `target` when it is missing or empty (a tenant's first start), so the
 * process opens an initialised database instead of running initdb. Returns whether it copied.
 */
export async function seedFromTemplate(template: string, target: string): Promise<boolean> {
  if (!initialised(template)) return false;
  if (existsSync(target) && (await readdir(target)).length > 0) return false;
  await cp(template, target, { recursive: true });
  return true;
}

/** The PGlite data directories a localized workload config opens (store, knowledge index). */
export function pgliteDirsOf(config: Record<string, unknown>): string[] {
  const store = config.store as { kind?: string; dataDir?: unknown } | undefined;
  const search = (
    config.knowledge as { search?: { kind?: string; connection?: { driver?: string; dataDir?: unknown } } }
  )?.search;
  const dirs = [
    store?.kind === 'pglite' ? store.dataDir : undefined,
    search?.kind === 'pgvector' && search.connection?.driver === 'pglite'
      ? search.connection.dataDir
      : undefined,
  ];
  // No dataDir: an in-memory PGlite, nothing to seed.
  return dirs.filter((d): d is string => typeof d === 'string' && d.length > 0);
}
