/**
 * The real local vault for specs: VaultDataPlaneSecrets over the test PostgreSQL (records in
 * `<schema>_vault`, master key in a temporary folder), removed again by `close()`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { TEST_DATABASE_URL, uniqueSchemaName } from '@cw/db/testing';
import { VaultDataPlaneSecrets, localVaultSchema } from './adapters/vault-data-plane-secrets.js';

export interface TestLocalVault {
  readonly secrets: VaultDataPlaneSecrets;
  close(): Promise<void>;
}

export function testLocalVault(label: string): TestLocalVault {
  const schema = uniqueSchemaName(label);
  const dir = mkdtempSync(join(tmpdir(), `cw-${label}-`));
  const secrets = new VaultDataPlaneSecrets({
    vaultDir: join(dir, 'vault'),
    database: { url: TEST_DATABASE_URL, schema },
  });
  return {
    secrets,
    async close() {
      await secrets.close();
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${localVaultSchema(schema)}" CASCADE`);
      await client.end();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
