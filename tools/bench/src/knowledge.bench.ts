/**
 * Knowledge retrieval at scale on pgvector (PGlite + pglite-pgvector, HNSW with iterative scans):
 * N chunks (default 100,000; KNOWLEDGE_BENCH_CHUNKS) across the five levels, 200 principals.
 * Figures: bulk ingest chunks/s with the local lexical embedder (embed + insert), HNSW build
 * time, ACL-filtered top-10 latency of the full cascade (embed, one hybrid SQL query, policy
 * query, re-check) and of the vector branch alone, recall@10 of the HNSW filtered branch against
 * exact filtered search, unauthorised hits (must be 0), peak RSS.
 * Targets: p95 <= 25 ms, recall@10 >= 0.95, 0 unauthorised.
 */
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import {
  Knowledge,
  LocalLexicalEmbedder,
  PgvectorIndex,
  aclFor,
  openPglite,
  type KnowledgeChunk,
  type KnowledgeScope,
  type SearchPrincipal,
} from '@cw/knowledge';
import { percentile, round, withPeakRss, type Figure } from './figure.js';

const CHUNKS = Number(process.env.KNOWLEDGE_BENCH_CHUNKS ?? 100_000);
const PRINCIPALS = 200;
const GROUPS = 20;
const PLUGINS = ['email', 'github', 'payments', 'travel', 'proxy'];
const ENGINES = ['main', 'ops'];
const QUERIES = Number(process.env.KNOWLEDGE_BENCH_QUERIES ?? 200);
const RECALL_QUERIES = Math.min(QUERIES, 100);
const TENANT = 'bench';
/** Progress on stderr (stdout carries the figures): a long run on a busy machine should show where it is. */
const progress = (what: string) =>
  process.stderr.write(`[knowledge bench ${new Date().toISOString()}] ${what}\n`);

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = prng(42);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
/** A Zipf-ish vocabulary so some words are common and most are rare, as in real text. */
const VOCAB = Array.from({ length: 3000 }, (_, i) => `w${i.toString(36)}${'aeiou'[i % 5]}`);
const word = () => VOCAB[Math.floor(VOCAB.length * rand() ** 2.2)]!;
const sentence = (n: number) => Array.from({ length: n }, word).join(' ');

const users = Array.from({ length: PRINCIPALS }, (_, i) => `user-${i}`);
const principals: SearchPrincipal[] = users.map((userId) => ({
  tenant: TENANT,
  userId,
  groups: [
    ...new Set(
      Array.from({ length: 1 + Math.floor(rand() * 3) }, () => `group-${Math.floor(rand() * GROUPS)}`),
    ),
  ],
  plugins: PLUGINS.filter(() => rand() < 0.4),
  engines: ENGINES.filter(() => rand() < 0.6),
}));

function randomScope(): KnowledgeScope {
  const r = rand();
  if (r < 0.3) return { level: 'P5', userId: pick(users) };
  if (r < 0.6) return { level: 'P4', groupId: `group-${Math.floor(rand() * GROUPS)}` };
  if (r < 0.7) return { level: 'P3' };
  if (r < 0.85) return { level: 'P2', plugin: pick(PLUGINS) };
  return { level: 'P1', engine: pick(ENGINES) };
}

function permitted(p: SearchPrincipal, c: Pick<KnowledgeChunk, 'level' | 'scopeId'>): boolean {
  switch (c.level) {
    case 'P5':
      return c.scopeId === p.userId;
    case 'P4':
      return p.groups.includes(c.scopeId);
    case 'P3':
      return true;
    case 'P2':
      return (p.plugins ?? []).includes(c.scopeId);
    case 'P1':
      return (p.engines ?? []).includes(c.scopeId);
  }
}

async function bench(): Promise<Figure[]> {
  const embedder = new LocalLexicalEmbedder({ dimensions: 128 });
  const sql = await openPglite();
  const index = new PgvectorIndex({
    sql,
    dimensions: embedder.dimensions,
    embedderId: embedder.id,
    vectorIndex: false,
  });
  await index.init();

  // Bulk ingest: chunk records are generated directly (one chunk per source), embedded, inserted.
  const texts: { chunk: Omit<KnowledgeChunk, 'embedding'>; text: string }[] = [];
  for (let i = 0; i < CHUNKS; i++) {
    const { level, scopeId, acl } = aclFor(randomScope());
    const text = `${sentence(12)}. ${sentence(18)}.`;
    const sourceId = `s${i.toString(36)}`;
    texts.push({
      text,
      chunk: {
        id: `${sourceId}_v_0`,
        tenant: TENANT,
        level,
        scopeId,
        acl,
        policyKey: null,
        sourceId,
        sourceTitle: `doc ${i}`,
        version: 'v',
        ordinal: 0,
        text,
      },
    });
  }
  const ingestStart = performance.now();
  for (let i = 0; i < texts.length; i += 1000) {
    const batch = texts.slice(i, i + 1000);
    const vectors = await embedder.embed(batch.map((b) => b.text));
    await index.insertChunks(batch.map((b, j) => ({ ...b.chunk, embedding: vectors[j]! })));
  }
  const ingestSeconds = (performance.now() - ingestStart) / 1000;
  progress(`ingested ${CHUNKS} chunks in ${ingestSeconds.toFixed(1)} s`);
  const buildStart = performance.now();
  await index.buildVectorIndex();
  await sql.exec('ANALYZE knowledge.chunks;');
  const buildSeconds = (performance.now() - buildStart) / 1000;
  progress(`HNSW built in ${buildSeconds.toFixed(1)} s`);

  const knowledge = new Knowledge({ tenant: TENANT, index, embedder });
  const byId = new Map(texts.map((t) => [t.chunk.id, t.chunk]));
  const full: number[] = [];
  const vectorOnly: number[] = [];
  let unauthorised = 0;
  let returned = 0;
  let recallSum = 0;
  const held = (p: SearchPrincipal) => [
    `user:${p.userId}`,
    ...p.groups.map((g) => `group:${g}`),
    'tenant',
    ...(p.plugins ?? []).map((x) => `plugin:${x}`),
    ...(p.engines ?? []).map((x) => `engine:${x}`),
  ];
  for (let q = 0; q < QUERIES; q++) {
    const p = principals[q % PRINCIPALS]!;
    const target =
      texts.find((t, i) => i >= Math.floor(rand() * CHUNKS) && permitted(p, t.chunk)) ??
      texts.find((t) => permitted(p, t.chunk))!;
    const query = target.text.split(' ').slice(0, 6).join(' ');
    let t0 = performance.now();
    const results = await knowledge.search(p, query, { k: 10 });
    full.push(performance.now() - t0);
    returned += results.length;
    unauthorised += results.filter((r) => !permitted(p, byId.get(r.chunkId)!)).length;
    const [vector] = await embedder.embed([query]);
    t0 = performance.now();
    const approx = await index.vectorSearch({ tenant: TENANT, principals: held(p), vector: vector!, k: 10 });
    vectorOnly.push(performance.now() - t0);
    if (q % 50 === 49) progress(`${q + 1} queries`);
    if (q < RECALL_QUERIES) {
      const exact = await index.vectorSearch(
        { tenant: TENANT, principals: held(p), vector: vector!, k: 10 },
        true,
      );
      const hit = approx.filter((id) => exact.includes(id)).length;
      recallSum += exact.length ? hit / exact.length : 1;
    }
  }
  await sql.close();
  full.sort((a, b) => a - b);
  vectorOnly.sort((a, b) => a - b);
  return [
    { name: 'knowledge chunks indexed', value: CHUNKS, unit: 'chunks' },
    {
      name: 'knowledge bulk ingest (lexical embed + insert)',
      value: round(CHUNKS / ingestSeconds, 0),
      unit: 'chunks/s',
    },
    { name: 'knowledge HNSW index build', value: round(buildSeconds, 1), unit: 's' },
    { name: 'knowledge cascade search top-10 p50', value: round(percentile(full, 50)), unit: 'ms' },
    { name: 'knowledge cascade search top-10 p95', value: round(percentile(full, 95)), unit: 'ms' },
    { name: 'knowledge ACL-filtered HNSW top-10 p50', value: round(percentile(vectorOnly, 50)), unit: 'ms' },
    { name: 'knowledge ACL-filtered HNSW top-10 p95', value: round(percentile(vectorOnly, 95)), unit: 'ms' },
    {
      name: 'knowledge recall@10 (HNSW filtered vs exact filtered)',
      value: round(recallSum / RECALL_QUERIES, 3),
      unit: 'ratio',
    },
    { name: 'knowledge results returned', value: returned, unit: 'results' },
    { name: 'knowledge unauthorised hits', value: unauthorised, unit: 'hits' },
  ];
}

export async function run(): Promise<Figure[]> {
  const { result, peakRssMb } = await withPeakRss(bench);
  return [
    ...result,
    { name: 'knowledge peak RSS', value: peakRssMb, unit: 'MB' },
    // Read the latencies against this: on a shared 2-core machine the load decides them.
    {
      name: 'knowledge machine load average (1 min, at the end)',
      value: round(loadavg()[0]!, 1),
      unit: 'load',
    },
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href)
  for (const f of await run()) console.log(JSON.stringify(f));
