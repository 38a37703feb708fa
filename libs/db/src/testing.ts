/**
 * Test support: each test file opens its own schema on the shared test database, so files can
 * run in parallel; `close()` drops the schema. Imported only by tests (`@cw/db/testing`).
 */
import { randomBytes } from 'node:crypto';
import { openDatabase, type Database } from './database.js';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  db: Database;
  url: string;
  schema: string;
  /** Closes the pool and drops the schema. */
  close(): Promise<void>;
}

export const uniqueSchemaName = (label = 't'): string =>
  `cw_${label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 20)}_${randomBytes(5).toString('hex')}`;

export async function openTestDatabase(label?: string): Promise<TestDatabase> {
  const schema = uniqueSchemaName(label);
  const db = await openDatabase({ url: TEST_DATABASE_URL, schema, poolSize: 12 });
  return {
    db,
    url: TEST_DATABASE_URL,
    schema,
    async close() {
      await db.dropSchema().catch(() => undefined);
      await db.close();
    },
  };
}
