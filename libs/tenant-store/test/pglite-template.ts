/**
 * A fresh PGlite costs initdb (seconds of CPU, a minute on a loaded machine). The first test run
 * on a machine dumps a fresh data directory to the temp folder; later runs load that dump.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pgliteClient, type SqlClient } from '../src/postgres/sql-client.js';

const version = (
  JSON.parse(
    readFileSync(new URL('../../../node_modules/@electric-sql/pglite/package.json', import.meta.url), 'utf8'),
  ) as {
    version: string;
  }
).version;
const template = join(tmpdir(), `cw-pglite-template-${version}.tar`);

export async function pgliteForTests(): Promise<SqlClient> {
  if (existsSync(template)) {
    return pgliteClient('memory://', { loadDataDir: new Blob([await readFile(template)]) });
  }
  const client = await pgliteClient('memory://');
  const dump = await client.dump();
  const partial = `${template}.${process.pid}`;
  await writeFile(partial, Buffer.from(await dump.arrayBuffer()));
  await rename(partial, template); // atomic: a concurrent run reads a whole file or none
  return client;
}

/** Fills an empty data directory from the template (when one exists), so opening it skips initdb. */
export async function seedPgliteDir(dataDir: string): Promise<void> {
  if (!existsSync(template)) return;
  const client = await pgliteClient(dataDir, { loadDataDir: new Blob([await readFile(template)]) });
  await client.end();
}
