// The local backend's contract on the real PostgreSQL (127.0.0.1:5432) through @cw/tenant-store:
// one schema per tenant, unique to this run, dropped after.
import { randomBytes } from 'node:crypto';
import { afterAll } from 'vitest';
import { PostgresTenantStore, pgPoolClient, type SqlClient } from '@cw/tenant-store';
import { LocalVaultBackend, parseMasterKeys } from '../src/index.js';
import { describeVaultBackendContract } from './vault-backend.contract.js';

const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const run = `vt${process.pid}x${Date.now().toString(36)}`;
const keys = parseMasterKeys(`k1 ${randomBytes(32).toString('base64')}`);
let client: SqlClient | undefined;

describeVaultBackendContract('local (postgres store)', async (tenant) => {
  client ??= await pgPoolClient(url);
  const store = new PostgresTenantStore({ tenant, client, schema: `${run}_${tenant}`.slice(0, 63) });
  await store.init();
  return new LocalVaultBackend(store, keys);
});

// As the control plane runs it: every tenant's records in ONE schema, kept apart by the store's
// tenant column (and, were a row copied across, by the AAD).
describeVaultBackendContract('local (postgres store, shared schema)', async (tenant) => {
  client ??= await pgPoolClient(url);
  const store = new PostgresTenantStore({ tenant, client, schema: `${run}_shared` });
  await store.init();
  return new LocalVaultBackend(store, keys);
});

afterAll(async () => {
  if (!client) return;
  const { rows } = await client.query<{ s: string }>(
    `SELECT schema_name AS s FROM information_schema.schemata WHERE schema_name LIKE $1`,
    [`${run}\\_%`],
  );
  for (const { s } of rows) await client.exec(`DROP SCHEMA "${s}" CASCADE`);
  await client.end();
});
