// The contract on PGlite (what `npm start` uses): one in-memory instance for the whole file.
import { PostgresTenantStore } from '../src/postgres/postgres.store.js';
import { pgliteClient, type SqlClient } from '../src/postgres/sql-client.js';
import { describeStoreContract } from './contract.js';

let client: Promise<SqlClient> | undefined;

describeStoreContract('pglite', {
  open: async (tenant, clock) => {
    client ??= pgliteClient('memory://');
    return new PostgresTenantStore({ tenant, client: await client, clock });
  },
  cleanup: async () => (await client)?.end(),
});
