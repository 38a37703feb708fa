/**
 * What the local data plane does before a tenant's first start: a PGlite template copied into
 * each new (empty) data folder — an initialised database the app opens without initdb — and
 * bundles rebuilt only when a source is newer.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PGlite } from '@electric-sql/pglite';
import { bundleIsStale, pgliteDirsOf, preparePgliteTemplate, seedFromTemplate } from './start-faster.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cw-start-faster-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('PGlite template', () => {
  it('is initialised once and seeds only empty folders; the copy opens as a working database', async () => {
    const template = join(dir, '.pglite-test');
    await preparePgliteTemplate(template);
    expect(existsSync(join(template, 'PG_VERSION'))).toBe(true);
    expect((await readdir(dir)).filter((f) => f.includes('.tmp-'))).toEqual([]);

    const fresh = join(dir, 'tenant', 'store');
    expect(await seedFromTemplate(template, fresh)).toBe(true);
    const db = await PGlite.create(fresh);
    await db.exec('create table t (x int); insert into t values (7)');
    expect((await db.query<{ x: number }>('select x from t')).rows).toEqual([{ x: 7 }]);
    await db.close();
    // A folder with a database in it is never overwritten (a tenant's second start).
    expect(await seedFromTemplate(template, fresh)).toBe(false);
    const again = await PGlite.create(fresh);
    expect((await again.query<{ x: number }>('select x from t')).rows).toEqual([{ x: 7 }]);
    await again.close();
    expect(await seedFromTemplate(join(dir, 'no-template'), join(dir, 'other'))).toBe(false);
  }, 120_000);

  it('finds the PGlite folders of a localized config: the store and the knowledge index', () => {
    expect(
      pgliteDirsOf({
        store: { kind: 'pglite', dataDir: '/d/cerebro/store' },
        knowledge: {
          search: { kind: 'pgvector', connection: { driver: 'pglite', dataDir: '/d/cerebro/knowledge' } },
        },
      }),
    ).toEqual(['/d/cerebro/store', '/d/cerebro/knowledge']);
    expect(
      pgliteDirsOf({
        store: { kind: 'postgres', urlFile: '/s/database-url', schema: 's' },
        knowledge: { search: { kind: 'pgvector', connection: { driver: 'pglite' } } },
      }),
    ).toEqual([]);
  });
});

describe('bundle freshness', () => {
  it('is stale without a bundle, fresh after it, stale again when a source under the app or libs/ changes', async () => {
    const root = join(dir, 'repo');
    const src = join(root, 'apps/app/src/main.ts');
    const lib = join(root, 'libs/x/src/x.ts');
    await mkdir(join(root, 'apps/app/src'), { recursive: true });
    await mkdir(join(root, 'libs/x/src'), { recursive: true });
    await writeFile(src, 'export {};\n');
    await writeFile(lib, 'export {};\n');
    const old = new Date(Date.now() - 60_000);
    await utimes(src, old, old);
    await utimes(lib, old, old);
    expect(await bundleIsStale(root, 'app')).toBe(true);
    await mkdir(join(root, 'apps/app/dist/app'), { recursive: true });
    await writeFile(join(root, 'apps/app/dist/app/main.js'), '\n');
    expect(await bundleIsStale(root, 'app')).toBe(false);
    await utimes(lib, new Date(), new Date(Date.now() + 5_000));
    expect(await bundleIsStale(root, 'app')).toBe(true);
  });
});
