// Offboarding purges the tenant's data on the real PostgreSQL (127.0.0.1): the store schema npm
// start's data plane uses (tenant_<slug>), the tenant vault's records (data-plane secrets the render
// step seeded, credentials), through the whole offboard run in render-only mode. Two tenants whose
// slugs are prefixes of each other (acme-<run>, acme-<run>-eu): the second keeps everything.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { dynamoTableDefinition } from '@cw/tenant-store/dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startOpenSearchServer, type OpenSearchServer } from '@cw/testing/search-servers';
import { TEST_DATABASE_URL, uniqueSchemaName } from '@cw/db/testing';
import { REGIONS, searchAdapterFromTenant, storeAdapterFromTenant, type Tenant } from '@cw/tenant-model';
import {
  PostgresTenantStore,
  defineCollection,
  openTenantStore,
  pgPoolClient,
  type SqlClient,
  type TenantStore,
} from '@cw/tenant-store';
import { LocalVaultBackend, parseMasterKeys } from '@cw/vault';
import { z } from 'zod';
import { ARTIFACT, readJson, type OffboardedMarker } from '../artifacts.js';
import { PlatformTenantDataPurger, localTenantStoreSchema } from '../adapters/platform-data-purger.js';
import { VaultDataPlaneSecrets, localVaultSchema } from '../adapters/vault-data-plane-secrets.js';
import { harness, type Harness } from '../fakes.spec-helper.js';
import type { ProvisioningTenant, PurgedArea } from '../ports.js';
import { startRun } from '../usecases/start-run.usecase.js';
import { ENGINE_AUDIT_SALT } from '../tenant-secrets.js';
import { desiredTenant } from '../desired-tenant.js';
import type { PurgeTenantDataOutput } from './purge-tenant-data.step.js';

const schema = uniqueSchemaName('purge');
const RUN = randomBytes(3).toString('hex');
const ACME = `acme-${RUN}`;
const ACME_EU = `acme-${RUN}-eu`;
const users = defineCollection('users', z.object({ email: z.string() }));
const keys = parseMasterKeys(`k1 ${randomBytes(32).toString('base64')}`);
let dir: string;
let sql: SqlClient;
let secrets: VaultDataPlaneSecrets;
let purger: PlatformTenantDataPurger;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cw-purge-'));
  sql = await pgPoolClient(TEST_DATABASE_URL);
  secrets = new VaultDataPlaneSecrets({
    vaultDir: join(dir, 'vault'),
    database: { url: TEST_DATABASE_URL, schema },
  });
  purger = new PlatformTenantDataPurger({ databaseUrl: TEST_DATABASE_URL, vault: secrets });
});

afterAll(async () => {
  for (const s of [localVaultSchema(schema), localTenantStoreSchema(ACME), localTenantStoreSchema(ACME_EU)])
    await sql.exec(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  await Promise.all([sql.end(), secrets.close(), purger.close()]);
  rmSync(dir, { recursive: true, force: true });
});

/** What cerebro and the engine write to a local tenant's store: people, and a credential. */
async function useWorkspace(slug: string): Promise<void> {
  const store = new PostgresTenantStore({ tenant: slug, client: sql, schema: localTenantStoreSchema(slug) });
  await store.init();
  await store.collection(users).put('all', 'u1', { email: `ada@${slug}.example.com` });
  await store.collection(users).put('all', 'u2', { email: `bob@${slug}.example.com` });
  await new LocalVaultBackend(store, keys).put(
    { plugin: 'payments', name: 'api_key', scope: { level: 'user', userId: 'u1' } },
    `sk_test_${slug}`,
    'u1',
  );
}

const schemaExists = async (name: string): Promise<boolean> =>
  (await sql.query(`SELECT 1 FROM information_schema.schemata WHERE schema_name = $1`, [name])).rows.length >
  0;

const vaultRows = async (slug: string): Promise<number> =>
  (
    await sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "${localVaultSchema(schema)}".items WHERE tenant = $1`,
      [slug],
    )
  ).rows[0]!.n;

async function runGoal(h: Harness, tenant: ProvisioningTenant, goal: 'provision' | 'offboard') {
  const { run } = await startRun(h.deps, {
    tenantId: tenant.id,
    goal,
    correlationId: `corr-${goal}-${tenant.slug}`,
    idempotencyKey: goal,
  });
  await h.queue.drain(h.runner);
  return (await h.store.getRun(run.id))!;
}

const local = { cloud: { provider: 'local' as const, region: REGIONS.local[0]! } };

describe('purge-tenant-data', () => {
  it("offboarding (render-only) removes the tenant's store schema and vault records, and nothing of acme-eu's", async () => {
    const h = harness({ cluster: false, overrides: { secrets, purger } });
    const acme = h.store.addTenant({ slug: ACME, ...local });
    const acmeEu = h.store.addTenant({ slug: ACME_EU, ...local });
    for (const t of [acme, acmeEu]) {
      expect((await runGoal(h, t, 'provision')).status).toBe('succeeded');
      await useWorkspace(t.slug);
    }
    expect(await vaultRows(ACME)).toBe(4); // salt, session key, signing key, first managers

    h.store.setState(acme.id, 'offboarding');
    const off = await runGoal(h, (await h.store.getTenant(acme.id))!, 'offboard');
    expect(off.steps.map((s) => [s.step, s.status])).toEqual([
      ['apply-tenant', 'succeeded'],
      ['purge-tenant-data', 'succeeded'],
      ['apply-infrastructure', 'skipped'],
    ]);
    expect(h.store.tenants.get(acme.id)!.state).toBe('deleted');

    // The signal to npm start's local data plane: no render left (no manifests, no tenant.yaml).
    expect(existsSync(h.artifacts.path(ACME, ARTIFACT.manifestsDir))).toBe(false);
    expect(await h.artifacts.read(ACME, ARTIFACT.tenant)).toBeUndefined();
    expect(await readJson<OffboardedMarker>(h.artifacts, ACME, ARTIFACT.offboarded)).toMatchObject({
      slug: ACME,
      runId: off.id,
    });

    // The step says what it removed: counts and names, no value.
    const purge = off.steps.find((s) => s.step === 'purge-tenant-data')!;
    const { areas } = purge.output as PurgeTenantDataOutput;
    const area = (a: PurgedArea['area'], where: RegExp) =>
      areas.find((x) => x.area === a && where.test(x.where));
    expect(area('store', new RegExp(localTenantStoreSchema(ACME)))).toMatchObject({
      outcome: 'removed',
      counts: { users: 2, vault_credentials: 1 },
    });
    expect(area('vault', /local vault/)).toMatchObject({
      outcome: 'removed',
      counts: { credentials: 0, 'tenant secrets': 4 },
      names: expect.arrayContaining([ENGINE_AUDIT_SALT, 'cerebro-session-key', 'engine-signing-0001']),
    });
    expect(area('vault', /credentials in the tenant store/)).toMatchObject({
      outcome: 'removed',
      counts: { credentials: 1 },
    });
    expect(area('knowledge', /PGlite/)).toMatchObject({ outcome: 'with-workloads' });
    expect(purge.message).toMatch(
      /store schema tenant_acme_\w+ of the platform PostgreSQL: removed \(users 2/,
    );
    expect(JSON.stringify(purge)).not.toMatch(/sk_test_|@acme|BEGIN PRIVATE/);

    // Gone in PostgreSQL; acme-eu untouched.
    expect(await schemaExists(localTenantStoreSchema(ACME))).toBe(false);
    expect(await vaultRows(ACME)).toBe(0);
    expect(await schemaExists(localTenantStoreSchema(ACME_EU))).toBe(true);
    expect(await vaultRows(ACME_EU)).toBe(4);
    const eu = new PostgresTenantStore({
      tenant: ACME_EU,
      client: sql,
      schema: localTenantStoreSchema(ACME_EU),
    });
    expect((await eu.collection(users).query('all')).items).toHaveLength(2);
    expect(await new LocalVaultBackend(eu, keys).list()).toHaveLength(1);
    expect(await h.artifacts.list(ACME_EU, ARTIFACT.manifestsDir)).not.toEqual([]);
    expect(await h.artifacts.read(ACME_EU, ARTIFACT.tenant)).toBeDefined();
    expect(await h.artifacts.read(ACME_EU, ARTIFACT.offboarded)).toBeUndefined();
  }, 120_000);

  it('a purge that crashed half-way is finished by the retry', async () => {
    const slug = `${ACME}-retry`;
    const tenant: Tenant = harnessTenant(slug);
    await secrets.seed(tenant);
    await useWorkspace(slug);
    // The first attempt dies after the store, before the vault.
    const crashing = new PlatformTenantDataPurger({
      databaseUrl: TEST_DATABASE_URL,
      vault: {
        purgeLocal: () => Promise.reject(new Error('killed mid-purge')),
      },
    });
    await expect(crashing.purge(tenant)).rejects.toThrow(/killed mid-purge/);
    await crashing.close();
    expect(await schemaExists(localTenantStoreSchema(slug))).toBe(false);
    expect(await vaultRows(slug)).toBe(4);

    const areas = await purger.purge(tenant);
    expect(areas[0]).toMatchObject({ area: 'store', outcome: 'removed', counts: {} });
    expect(areas[1]).toMatchObject({ area: 'vault', counts: { 'tenant secrets': 4 } });
    expect(await vaultRows(slug)).toBe(0);
    // And once more: nothing left, still succeeds.
    expect((await purger.purge(tenant))[1]).toMatchObject({
      counts: { credentials: 0, 'tenant secrets': 0 },
    });
  }, 60_000);

  it('a cloud tenant: says what the stack destroy removes and what stays, touching nothing', async () => {
    const shared = harnessTenant('cloudy', {
      cloud: { provider: 'aws', region: REGIONS.aws[0]! },
      isolation: 'shared',
      bindings: {
        database: { endpoint: 'https://dynamodb.eu-west-1.amazonaws.com', name: 'cw-tenants' },
        vault: {
          kind: 'aws-secrets-manager',
          uri: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:cw/tenants/cloudy/',
        },
        search: { endpoint: 'https://abc.eu-west-1.aoss.amazonaws.com', index: 'cloudy_knowledge' },
      },
    });
    const areas = await new PlatformTenantDataPurger({
      vault: { purgeLocal: () => Promise.reject(new Error('not local')) },
    }).purge(shared);
    expect(areas.map((a) => [a.area, a.outcome])).toEqual([
      ['store', 'not-purged'],
      ['vault', 'not-purged'],
      ['knowledge', 'not-purged'],
    ]);
    expect(areas[0]!.where).toBe("items cloudy#* of the platform's DynamoDB table cw-tenants");
    expect(areas[2]!.where).toMatch(/index cloudy_knowledge/);
    const dedicated = await new PlatformTenantDataPurger({
      vault: { purgeLocal: () => Promise.reject(new Error('not local')) },
    }).purge({ ...shared, spec: { ...shared.spec, isolation: 'dedicated' } });
    expect(dedicated.map((a) => a.outcome)).toEqual(['with-stack', 'not-purged', 'with-stack']);
  });
});

describe("a cloud tenant vault: people's credentials (cred-*)", () => {
  const tenant = () =>
    harnessTenant('vaulty', {
      cloud: { provider: 'aws', region: 'eu-west-1' },
      isolation: 'dedicated',
      bindings: {
        vault: {
          kind: 'aws-secrets-manager',
          uri: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:cw/tenants/vaulty/',
        },
      },
    });

  it('are removed (counted) where the provisioner may write the vault, and said NOT removed where not', async () => {
    const seen: string[] = [];
    const allowed = await new PlatformTenantDataPurger({
      vault: {
        purgeLocal: () => Promise.reject(new Error('not local')),
        purgeCloudCredentials: (t) => {
          seen.push(t.metadata.name);
          return Promise.resolve(3);
        },
      },
    }).purge(tenant());
    expect(seen).toEqual(['vaulty']);
    expect(allowed[1]).toMatchObject({ area: 'vault', outcome: 'removed', counts: { credentials: 3 } });
    const refused = await new PlatformTenantDataPurger({
      vault: {
        purgeLocal: () => Promise.reject(new Error('not local')),
        purgeCloudCredentials: () => Promise.resolve(undefined),
      },
    }).purge(tenant());
    expect(refused[1]).toMatchObject({ area: 'vault', outcome: 'not-purged' });
    expect(refused[1]!.note).toMatch(/DATA_PLANE_SECRETS=all/);
  });

  it('VaultDataPlaneSecrets deletes in a cloud vault only with DATA_PLANE_SECRETS=all', async () => {
    for (const mode of ['local', 'off'] as const) {
      const s = new VaultDataPlaneSecrets({ vaultDir: join(dir, `vault-${mode}`), mode });
      expect(await s.purgeCloudCredentials(tenant())).toBeUndefined();
      await s.close();
    }
  });
});

describe('PURGE_SHARED_DATA: a shared AWS tenant on the platform services (dynalite, local OpenSearch)', () => {
  const KEY = 'AKIDPROVISIONER';
  let dynamo: ReturnType<typeof dynalite>;
  let search: OpenSearchServer;
  let endpoint: string;

  beforeAll(async () => {
    // The provisioner's own identity (env credentials, as the default chain reads them).
    vi.stubEnv('AWS_ACCESS_KEY_ID', KEY);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test-secret');
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0 });
    await new Promise<void>((resolve) => dynamo.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(dynamo.address() as AddressInfo).port}`;
    const client = new DynamoDBClient({ region: 'eu-west-1', endpoint });
    await client.send(new CreateTableCommand(dynamoTableDefinition('cw-tenants')));
    client.destroy();
    // The grant the docs ask for: the provisioner may reach every tenant index.
    search = await startOpenSearchServer({
      sigv4: { region: 'eu-west-1', service: 'aoss', keys: { [KEY]: ['cloudy'] } },
    });
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    await search?.close();
    await new Promise<void>((resolve) => (dynamo ? dynamo.close(() => resolve()) : resolve()));
  });

  const sharedTenant = (slug: string) =>
    harnessTenant(slug, {
      cloud: { provider: 'aws', region: 'eu-west-1' },
      isolation: 'shared',
      bindings: {
        database: { endpoint, name: 'cw-tenants' },
        vault: {
          kind: 'aws-secrets-manager',
          uri: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:cw/tenants/${slug}/`,
        },
        search: { endpoint: search.url, index: `${slug}_knowledge` },
      },
    });

  /** What cerebro and the engine leave on the shared services: people, and a knowledge note. */
  async function use(tenant: Tenant): Promise<{ store: TenantStore; note: () => Promise<number> }> {
    const slug = tenant.metadata.name;
    const store = await openTenantStore(storeAdapterFromTenant(tenant), { tenant: slug });
    await store.collection(users).put('all', 'u1', { email: `ada@${slug}.example.com` });
    await store.collection(users).put('all', 'u2', { email: `bob@${slug}.example.com` });
    // As the purger does: @cw/knowledge is loaded only when a purge needs it.
    const { LocalLexicalEmbedder, openKnowledge, openKnowledgeIndex } = await import('@cw/knowledge');
    const embedder = new LocalLexicalEmbedder({ dimensions: 64 });
    const knowledge = await openKnowledge(searchAdapterFromTenant(tenant), {
      tenant: slug,
      embedder,
      audit: () => undefined,
      tenantSalt: 'salt-',
    });
    await knowledge.ingest(
      { tenant: slug, userId: 'boss', groups: [], roles: ['manager'] },
      { scope: { level: 'P3' }, source: { kind: 'text', title: 'note', text: `The ${slug} canary note.` } },
    );
    const index = await openKnowledgeIndex(searchAdapterFromTenant(tenant), embedder);
    return { store, note: () => index.countChunks(slug) };
  }

  it("removes the tenant's items and every knowledge source, nothing of cloudy-eu's; off by default", async () => {
    const [gone, kept] = [sharedTenant('cloudy'), sharedTenant('cloudy-eu')];
    const g = await use(gone);
    const k = await use(kept);
    expect(await g.note()).toBe(1);

    // Off (the default): nothing is touched, and the account says why.
    const off = await new PlatformTenantDataPurger({
      vault: { purgeLocal: () => Promise.reject(new Error('not local')) },
    }).purge(gone);
    expect(off.map((a) => [a.area, a.outcome])).toEqual([
      ['store', 'not-purged'],
      ['vault', 'not-purged'],
      ['knowledge', 'not-purged'],
    ]);
    expect(off[0]!.note).toMatch(/PURGE_SHARED_DATA/);
    expect(await g.store.collection(users).get('all', 'u1')).toBeDefined();

    const purger = new PlatformTenantDataPurger({
      vault: { purgeLocal: () => Promise.reject(new Error('not local')) },
      sharedData: true,
    });
    const areas = await purger.purge(gone);
    expect(areas.map((a) => [a.area, a.outcome])).toEqual([
      ['store', 'removed'],
      ['vault', 'not-purged'],
      ['knowledge', 'removed'],
    ]);
    expect(areas[0]!.where).toBe("items cloudy#* of the platform's DynamoDB table cw-tenants");
    expect(areas[2]!.counts).toEqual({ sources: 1, chunks: 1 });
    expect(await g.store.collection(users).get('all', 'u1')).toBeUndefined();
    expect(await g.store.collection(users).get('all', 'u2')).toBeUndefined();
    expect(await g.note()).toBe(0);
    // The prefix slug keeps everything.
    expect((await k.store.collection(users).get('all', 'u1'))?.value).toEqual({
      email: 'ada@cloudy-eu.example.com',
    });
    expect(await k.note()).toBe(1);
    // A retry after a crash finds nothing and succeeds.
    expect((await purger.purge(gone)).map((a) => a.outcome)).toEqual(['removed', 'not-purged', 'removed']);
  }, 60_000);
});

function harnessTenant(slug: string, spec: Record<string, unknown> = local): Tenant {
  const record = {
    id: `id-${slug}`,
    slug,
    state: 'offboarding',
    adminEmail: `admin@${slug}.example.com`,
    spec: { displayName: slug, plan: 'team', seats: 5, hostname: `${slug}.contextweaver.app`, ...spec },
  } as ProvisioningTenant;
  return desiredTenant(record, { goal: 'offboard' });
}
