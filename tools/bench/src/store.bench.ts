/**
 * Tenant store per adapter that runs here: point write (put) and point read (get) p50/p99, and a
 * 100-item partition query (one page of 100), each through the @cw/tenant-store port as the data
 * plane calls it. Adapters: memory, PostgreSQL (127.0.0.1:5432, a fresh schema dropped after),
 * PGlite (in memory), Cosmos DB (@vercel/cosmosdb-server over TLS, in-process) and DynamoDB
 * (dynalite, in-process). Local servers measure the adapter and protocol, not the clouds' latency.
 * Alone: `node --import tsx tools/bench/src/store.bench.ts`. STORE_BENCH_OPS overrides the count (300).
 */
import { Agent } from 'node:https';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { CosmosClient } from '@azure/cosmos';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createHttpsServer } from '@vercel/cosmosdb-server';
import dynalite from 'dynalite';
import { z } from 'zod';
import {
  CosmosTenantStore,
  MemoryTenantStore,
  PostgresTenantStore,
  defineCollection,
  pgPoolClient,
  pgliteClient,
  type TenantStore,
} from '@cw/tenant-store';
import { DynamoTenantStore, dynamoTableDefinition } from '@cw/tenant-store/dynamodb';
import { percentile, round, type Figure } from './figure.js';

const OPS = Number(process.env.STORE_BENCH_OPS ?? 300);
const QUERIES = 30;
const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const log = (msg: string) => process.stderr.write(`[store.bench] ${msg}\n`);

const records = defineCollection(
  'records',
  z.object({ title: z.string(), owner: z.string(), tags: z.array(z.string()), n: z.number() }),
);
const value = (i: number) => ({ title: `record ${i}`, owner: `user-${i % 50}`, tags: ['a', 'b'], n: i });

interface Target {
  name: string;
  open(): Promise<TenantStore>;
  stop?(): Promise<void>;
}

async function timed(n: number, op: (i: number) => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await op(i);
    samples.push(performance.now() - t);
  }
  return samples.sort((a, b) => a - b);
}

async function measure(target: Target): Promise<Figure[]> {
  const store = await target.open();
  try {
    await store.init();
    const col = store.collection(records);
    const writes = await timed(OPS, (i) => col.put('points', `id-${String(i).padStart(6, '0')}`, value(i)));
    const reads = await timed(OPS, (i) => col.get('points', `id-${String((i * 7) % OPS).padStart(6, '0')}`));
    for (let i = 0; i < 100; i++) await col.put('page', `item-${String(i).padStart(3, '0')}`, value(i));
    const queries = await timed(QUERIES, async () => {
      const { items } = await col.query('page', { limit: 100 });
      if (items.length !== 100) throw new Error(`${target.name}: query returned ${items.length} of 100`);
    });
    const fig = (what: string, s: number[]): Figure[] => [
      { name: `${target.name} ${what} p50`, value: round(percentile(s, 50)), unit: 'ms' },
      { name: `${target.name} ${what} p99`, value: round(percentile(s, 99)), unit: 'ms' },
    ];
    return [...fig('write', writes), ...fig('read', reads), ...fig('query 100', queries)];
  } finally {
    await store.dropTenantData();
    await store.close();
    await target.stop?.();
  }
}

function targets(): Target[] {
  return [
    { name: 'memory', open: () => Promise.resolve(new MemoryTenantStore('bench')) },
    {
      name: 'postgres',
      open: async () =>
        new PostgresTenantStore({
          tenant: 'bench',
          client: await pgPoolClient(PG_URL),
          schema: `store_bench_${Date.now().toString(36)}`,
          ownsClient: true,
        }),
    },
    {
      name: 'pglite',
      open: async () =>
        new PostgresTenantStore({
          tenant: 'bench',
          client: await pgliteClient('memory://'),
          ownsClient: true,
        }),
    },
    (() => {
      const server = createHttpsServer();
      let client: CosmosClient | undefined;
      return {
        name: 'cosmos (cosmosdb-server)',
        open: async () => {
          await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
          client = new CosmosClient({
            endpoint: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
            key: 'bench-only-key',
            agent: new Agent({ rejectUnauthorized: false }),
            connectionPolicy: { enableEndpointDiscovery: false },
          });
          return new CosmosTenantStore({
            tenant: 'bench',
            client,
            database: 'tenant-bench',
            createIfMissing: true,
          });
        },
        stop: async () => {
          client?.dispose();
          await new Promise((resolve) => server.close(resolve));
        },
      };
    })(),
    (() => {
      const server = dynalite({ createTableMs: 0 });
      let doc: DynamoDBDocumentClient | undefined;
      return {
        name: 'dynamodb (dynalite)',
        open: async () => {
          await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
          const raw = new DynamoDBClient({
            region: 'eu-west-1',
            endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
            credentials: { accessKeyId: 'bench-only', secretAccessKey: 'bench-only' },
          });
          doc = DynamoDBDocumentClient.from(raw);
          const createTable = async () => {
            await raw.send(new CreateTableCommand(dynamoTableDefinition('cw-tenants')));
          };
          return new DynamoTenantStore({ tenant: 'bench', client: doc, table: 'cw-tenants', createTable });
        },
        stop: async () => {
          doc?.destroy();
          await new Promise((resolve) => server.close(resolve));
        },
      };
    })(),
  ];
}

export async function run(): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const target of targets()) {
    const started = Date.now();
    figures.push(...(await measure(target)));
    log(`${target.name}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  return figures;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const f of await run()) console.log(JSON.stringify(f));
}
