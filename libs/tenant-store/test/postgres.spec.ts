// The contract on the real PostgreSQL (127.0.0.1:5432): a schema per tenant, unique to this run, dropped after.
import { PostgresTenantStore } from '../src/postgres/postgres.store.js';
import { pgPoolClient, type SqlClient } from '../src/postgres/sql-client.js';
import { describeStoreContract } from './contract.js';

const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const run = `ts${process.pid}x${Date.now().toString(36)}`;
let client: SqlClient | undefined;

describeStoreContract('postgres', {
  open: async (tenant, clock) => {
    client ??= await pgPoolClient(url);
    return new PostgresTenantStore({ tenant, client, schema: `${run}_${tenant}`.slice(0, 63), clock });
  },
  cleanup: async () => {
    if (!client) return;
    const { rows } = await client.query<{ s: string }>(
      `SELECT schema_name AS s FROM information_schema.schemata WHERE schema_name LIKE $1`,
      [`${run}\\_%`],
    );
    for (const { s } of rows) await client.exec(`DROP SCHEMA "${s}" CASCADE`);
    await client.end();
  },
});
