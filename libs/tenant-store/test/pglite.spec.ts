// The contract on PGlite (what `npm start` uses): one in-memory instance for the whole file,
// started from a cached fresh data directory (pglite-template.ts).
import { PostgresTenantStore } from '../src/postgres/postgres.store.js';
import type { SqlClient } from '../src/postgres/sql-client.js';
import { describeStoreContract } from './contract.js';
import { pgliteForTests } from './pglite-template.js';

let client: Promise<SqlClient> | undefined;

describeStoreContract('pglite', {
  open: async (tenant, clock) => {
    client ??= pgliteForTests();
    return new PostgresTenantStore({ tenant, client: await client, clock });
  },
  cleanup: async () => (await client)?.end(),
});
