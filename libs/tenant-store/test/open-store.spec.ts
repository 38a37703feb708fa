// Which adapter comes from configuration only: render each Tenant example as the operator does,
// read the store config each workload gets, and open the store from it. Clouds that cannot start
// here (Azure with workload identity, GCP) are checked by adapter kind and parameters.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { renderTenant } from '@cw/k8s-charts';
import { parseTenant, storeAdapterFromTenant, type StoreAdapterConfig, type Tenant } from '@cw/tenant-model';
import {
  CosmosTenantStore,
  FirestoreTenantStore,
  PostgresTenantStore,
  StoreInputError,
  defineCollection,
  openTenantStore,
} from '../src/index.js';
import { DynamoTenantStore } from '../src/dynamodb.js';
import { startDynalite, type DynamoHarness } from './dynamo-harness.js';
import { seedPgliteDir } from './pglite-template.js';

const notes = defineCollection('notes', z.object({ text: z.string() }));
const example = (file: string): Tenant =>
  parseTenant(parse(readFileSync(new URL(`../../../tenants/examples/${file}`, import.meta.url), 'utf8')));

/** The `store` of every workload config (each file of the tenant's ConfigMap) the operator renders. */
function renderedStores(tenant: Tenant): StoreAdapterConfig[] {
  return renderTenant(tenant)
    .filter((o) => o.kind === 'ConfigMap')
    .flatMap((o) => Object.values((o as { data?: Record<string, string> }).data ?? {}))
    .map((json) => (JSON.parse(json) as { store?: StoreAdapterConfig }).store)
    .filter((s): s is StoreAdapterConfig => s !== undefined);
}

describe('openTenantStore picks the adapter from the rendered workload config', () => {
  let dir: string;
  let dynamo: DynamoHarness;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cw-store-'));
    dynamo = await startDynalite();
  });
  afterAll(async () => {
    await dynamo.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const storesOf = (file: string) => {
    const tenant = example(file);
    const stores = renderedStores(tenant);
    // cerebro and every engine get the same store: the one the bindings say.
    expect(stores.length).toBeGreaterThanOrEqual(2);
    for (const s of stores) expect(s).toEqual(storeAdapterFromTenant(tenant));
    return { tenant, store: stores[0] as StoreAdapterConfig };
  };

  it('azure-shared: Cosmos DB in the tenant database, by workload identity', async () => {
    const { tenant, store } = storesOf('azure-shared.yaml');
    expect(store).toEqual({
      kind: 'cosmos',
      endpoint: 'https://cosmos-cw-platform.documents.azure.com:443/',
      database: 'tenant-contoso',
    });
    // What the AKS workload identity webhook injects into the pod (no secret: a projected token file).
    const token = join(dir, 'azure-token');
    await writeFile(token, 'projected-service-account-token');
    Object.assign(process.env, {
      AZURE_CLIENT_ID: '5a1c9e2b-3d4f-4e6a-8b7c-9d0e1f2a3b4c',
      AZURE_TENANT_ID: '72f988bf-86f1-41af-91ab-2d7cd011db47',
      AZURE_FEDERATED_TOKEN_FILE: token,
    });
    const opened = await openTenantStore(store, { tenant: tenant.metadata.name });
    expect(opened).toBeInstanceOf(CosmosTenantStore);
    expect(opened.tenant).toBe('contoso');
    await opened.close();
  });

  it('aws-shared: DynamoDB shared table with the slug# leading key; opened and used against dynalite', async () => {
    const { tenant, store } = storesOf('aws-shared.yaml');
    expect(store).toEqual({ kind: 'dynamodb', region: 'eu-west-1', table: 'cw-tenants', keyPrefix: 'acme#' });
    await dynamo.createTable('cw-tenants');
    // Test-only static credentials; in a pod the SDK's default chain uses IRSA.
    process.env.AWS_ACCESS_KEY_ID = 'test-only';
    process.env.AWS_SECRET_ACCESS_KEY = 'test-only';
    const endpoint = (await dynamo.doc.config.endpoint?.())?.hostname;
    expect(endpoint).toBe('127.0.0.1');
    const url = await dynamo.doc.config.endpoint!();
    const local = { ...store, endpoint: `${url.protocol}//${url.hostname}:${url.port}` };
    const opened = await openTenantStore(local, { tenant: tenant.metadata.name });
    expect(opened).toBeInstanceOf(DynamoTenantStore);
    await opened.init();
    await opened.collection(notes).put('p', 'x', { text: 'from config' });
    expect((await opened.collection(notes).get('p', 'x'))?.value.text).toBe('from config');
    await opened.dropTenantData();
    await opened.close();
  });

  it('gcp-dedicated: Firestore database of the tenant, collections prefixed by the slug', async () => {
    const { tenant, store } = storesOf('gcp-dedicated.yaml');
    expect(store).toEqual({
      kind: 'firestore',
      projectId: 'cw-platform',
      databaseId: 'cw-globex',
      collectionPrefix: 'globex_',
    });
    const opened = await openTenantStore(store, { tenant: tenant.metadata.name });
    expect(opened).toBeInstanceOf(FirestoreTenantStore);
    await opened.close();
  });

  it('local: PGlite in the workload data directory, opened and used (what npm start runs)', async () => {
    const { tenant, store } = storesOf('local.yaml');
    expect(store.kind).toBe('pglite');
    await seedPgliteDir(join(dir, 'pglite')); // a fresh cluster from the cached template instead of initdb
    const opened = await openTenantStore(
      { kind: 'pglite', dataDir: join(dir, 'pglite') },
      { tenant: tenant.metadata.name },
    );
    expect(opened).toBeInstanceOf(PostgresTenantStore);
    await opened.init();
    await opened.collection(notes).create('p', 'x', { text: 'local' });
    expect((await opened.collection(notes).get('p', 'x'))?.value.text).toBe('local');
    await opened.close();
  }, 180_000); // PGlite boots in seconds alone, a minute on a loaded 2-core machine

  it('postgres: the URL comes from the mounted secret file, never from the config', async () => {
    const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
    await writeFile(join(dir, 'database-url'), `${url}\n`, { mode: 0o600 });
    const schema = `ts_open_${process.pid}`;
    const opened = await openTenantStore(
      { kind: 'postgres', urlFile: 'database-url', schema },
      { tenant: 'acme', secretsDir: dir },
    );
    await opened.init();
    await opened.collection(notes).put('p', 'x', { text: 'pg' });
    expect((await opened.collection(notes).get('p', 'x'))?.value.text).toBe('pg');
    await opened.dropTenantData();
    await opened.close();
  });

  it('refuses bad config and a missing tenant with the field named, and leaks no secret', async () => {
    await expect(
      openTenantStore({ kind: 'cosmos', endpoint: 'nope', database: 'd' }, { tenant: 'acme' }),
    ).rejects.toMatchObject({
      field: 'config.endpoint',
    });
    await expect(openTenantStore({ kind: 'memory' }, { tenant: '' })).rejects.toMatchObject({
      field: 'tenant',
    });
    await writeFile(
      join(dir, 'bad-url'),
      'postgres://user:s3cret-pw@db/x-not-a-url-prefix'.replace('postgres', 'mysql'),
    );
    const err = await openTenantStore(
      { kind: 'postgres', urlFile: 'bad-url' },
      { tenant: 'acme', secretsDir: dir },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreInputError);
    expect((err as StoreInputError).field).toBe('config.urlFile');
    expect((err as Error).message).not.toContain('s3cret');
    await expect(
      openTenantStore({ kind: 'postgres', urlFile: 'absent' }, { tenant: 'acme', secretsDir: dir }),
    ).rejects.toMatchObject({ field: 'config.urlFile' });
  });

  it('storeAdapterFromTenant names the missing binding on a cloud tenant', () => {
    const tenant = example('aws-shared.yaml');
    const unbound = { ...tenant, spec: { ...tenant.spec, bindings: {} } };
    expect(() => storeAdapterFromTenant(unbound)).toThrow(/spec\.bindings\.database/);
    expect(storeAdapterFromTenant({ ...tenant, metadata: { name: 'acme-eu' } })).toMatchObject({
      keyPrefix: 'acme-eu#',
    });
  });
});
