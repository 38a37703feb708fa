/**
 * Credential resolution at scale on the local backend over PostgreSQL: 10,000 credentials
 * (7,000 user, 2,500 group, 500 org) in a fresh tenant schema, AES-256-GCM envelope records
 * through @cw/tenant-store. Measures the cascade's resolve p50/p99 uncached (every level read
 * from PostgreSQL and decrypted) and cached (the resolver's in-memory cache warm), plus put.
 * Alone: `node --import tsx tools/bench/src/vault.bench.ts`. VAULT_BENCH_CREDENTIALS overrides
 * the count (default 10000).
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { MemoryTenantStore, PostgresTenantStore, pgPoolClient } from '@cw/tenant-store';
import {
  CredentialResolver,
  LocalVaultBackend,
  parseMasterKeys,
  type CredentialRef,
  type ResolveRequest,
} from '@cw/vault';
import { percentile, round, type Figure } from './figure.js';

const COUNT = Number(process.env.VAULT_BENCH_CREDENTIALS ?? 10_000);
const URL_ = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const PLUGINS = Array.from({ length: 10 }, (_, i) => `plugin-${i}`);
const log = (msg: string) => process.stderr.write(`[vault.bench] ${msg}\n`);

const users = Math.round(COUNT * 0.7);
const groups = Math.round((COUNT * 0.25) / PLUGINS.length);
const orgs = COUNT - users - groups * PLUGINS.length;

function refs(): CredentialRef[] {
  const out: CredentialRef[] = [];
  for (let i = 0; i < users; i++)
    out.push({
      plugin: PLUGINS[i % PLUGINS.length]!,
      name: 'token',
      scope: { level: 'user', userId: `user-${i}@bench.example` },
    });
  for (let g = 0; g < groups; g++)
    for (const plugin of PLUGINS)
      out.push({ plugin, name: 'token', scope: { level: 'group', groupId: `group-${g}` } });
  for (let o = 0; o < orgs; o++)
    out.push({
      plugin: PLUGINS[o % PLUGINS.length]!,
      name: `key_${Math.floor(o / PLUGINS.length)}`,
      scope: { level: 'org' },
    });
  return out;
}

/** Requests that end at every level: own credential, the group's, the org's, or nothing. */
function requests(n: number): ResolveRequest[] {
  return Array.from({ length: n }, (_, k) => {
    const i = (k * 7919) % users;
    const kind = k % 4;
    const userId = `user-${i}@bench.example`;
    const groupIds = [`group-${i % groups}`];
    if (kind === 0) return { userId, groups: groupIds, plugin: PLUGINS[i % PLUGINS.length]!, name: 'token' }; // user
    if (kind === 1)
      return { userId, groups: groupIds, plugin: PLUGINS[(i + 1) % PLUGINS.length]!, name: 'token' }; // group
    if (kind === 2) return { userId, groups: [], plugin: PLUGINS[k % PLUGINS.length]!, name: 'key_0' }; // org
    return { userId, groups: groupIds, plugin: PLUGINS[k % PLUGINS.length]!, name: 'missing' }; // not found
  });
}

async function time(reqs: ResolveRequest[], resolver: CredentialResolver): Promise<number[]> {
  const samples: number[] = [];
  for (const r of reqs) {
    const t = performance.now();
    const res = await resolver.resolve(r);
    samples.push(performance.now() - t);
    if (res.found) res.reveal();
  }
  return samples.sort((a, b) => a - b);
}

export async function run(): Promise<Figure[]> {
  const client = await pgPoolClient(URL_);
  const schema = `vault_bench_${Date.now().toString(36)}`;
  const store = new PostgresTenantStore({ tenant: 'bench', client, schema });
  try {
    await store.init();
    const vault = new LocalVaultBackend(store, parseMasterKeys(`k1 ${randomBytes(32).toString('base64')}`));
    const all = refs();
    const putSamples: number[] = [];
    const started = performance.now();
    for (let i = 0; i < all.length; i += 20) {
      await Promise.all(
        all.slice(i, i + 20).map(async (ref) => {
          const t = performance.now();
          await vault.put(ref, `value-${randomBytes(12).toString('hex')}`, 'bench-admin');
          putSamples.push(performance.now() - t);
        }),
      );
    }
    log(`seeded ${all.length} credentials in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    putSamples.sort((a, b) => a - b);

    const uncached = new CredentialResolver(vault, { cacheTtlMs: 0 });
    await time(requests(200), uncached); // JIT and pool warm-up
    const cold = await time(requests(2_000), uncached);
    const cached = new CredentialResolver(vault, { cacheTtlMs: 600_000 });
    const hot = requests(2_000);
    await time(hot, cached);
    const warm = await time([...hot, ...hot, ...hot, ...hot, ...hot], cached);
    // Floors for reading the figures on a shared machine: one PostgreSQL round trip, and the same
    // uncached cascade over an in-memory store (decryption and code, no I/O).
    const rtt: number[] = [];
    for (let i = 0; i < 2_000; i++) {
      const t = performance.now();
      await client.query('SELECT 1', []);
      rtt.push(performance.now() - t);
    }
    rtt.sort((a, b) => a - b);
    const memoryVault = new LocalVaultBackend(
      new MemoryTenantStore('bench'),
      parseMasterKeys(`k1 ${randomBytes(32).toString('base64')}`),
    );
    for (const ref of all.slice(0, 3_000)) await memoryVault.put(ref, 'value', 'bench-admin');
    const noIo = await time(requests(2_000), new CredentialResolver(memoryVault, { cacheTtlMs: 0 }));
    const fig = (name: string, value: number): Figure => ({ name, value: round(value, 3), unit: 'ms' });
    return [
      { name: `vault credentials (${all.length})`, value: all.length, unit: 'count' },
      fig('vault put p50 (20 concurrent)', percentile(putSamples, 50)),
      fig('vault put p99 (20 concurrent)', percentile(putSamples, 99)),
      fig('vault resolve uncached p50', percentile(cold, 50)),
      fig('vault resolve uncached p99', percentile(cold, 99)),
      fig('postgres round trip (SELECT 1) p50', percentile(rtt, 50)),
      fig('postgres round trip (SELECT 1) p99', percentile(rtt, 99)),
      fig('vault resolve uncached, memory store (no I/O) p50', percentile(noIo, 50)),
      fig('vault resolve uncached, memory store (no I/O) p99', percentile(noIo, 99)),
      fig('vault resolve cached p50', percentile(warm, 50)),
      fig('vault resolve cached p99', percentile(warm, 99)),
    ];
  } finally {
    await client.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const f of await run()) console.log(JSON.stringify(f));
}
