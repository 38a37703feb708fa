/**
 * Knowledge retrieval at scale on pgvector (PGlite + pglite-pgvector, HNSW with iterative scans):
 * N chunks (default 100,000; KNOWLEDGE_BENCH_CHUNKS) across the five levels, 200 principals,
 * local lexical embedder at KNOWLEDGE_BENCH_DIMENSIONS (default 64).
 * Figures: bulk ingest chunks/s (embed + insert, the per-level HNSW indexes built once
 * afterwards), index build time and size, whether the planner takes the intended index for each
 * part of the vector branch (partial HNSW for P3/P2/P1, GIN on acl for P5 + P4), ACL-filtered
 * top-10 latency (wall and CPU time of this process — PGlite runs in-process, so CPU time is the
 * query's own work and does not grow with the machine's load) of the full cascade (embed, one
 * hybrid SQL query, policy query, re-check) and of the vector branch alone at each
 * hnsw.ef_search of KNOWLEDGE_BENCH_EF (default 100,120,150), recall@10 of that vector branch
 * against exact filtered search (whose own latency is measured too), recall@10 of the hybrid
 * query as Knowledge.search issues it (vector + full text: chunks with every query word, else
 * any, capped; RRF) against the same query run exactly, unauthorised hits against an independent
 * ACL model (must be 0), peak RSS.
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
  principalLevel,
  principalsOf,
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
const DIMENSIONS = Number(process.env.KNOWLEDGE_BENCH_DIMENSIONS ?? 64);
/** ef_search values measured for the vector branch; the cascade runs at the library default (100). */
const EF_SEARCH = (process.env.KNOWLEDGE_BENCH_EF ?? '100,120,150').split(',').map(Number);
const DEFAULT_EF = 100;
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

/** Wall and CPU milliseconds of one call (CPU: user + system of this process, PGlite included). */
async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; wall: number; cpu: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { value, wall, cpu: (c.user + c.system) / 1000 };
}

const p = (xs: number[], q: number) =>
  round(
    percentile(
      [...xs].sort((a, b) => a - b),
      q,
    ),
  );

async function bench(): Promise<Figure[]> {
  const embedder = new LocalLexicalEmbedder({ dimensions: DIMENSIONS });
  const sql = await openPglite(undefined, { efSearch: DEFAULT_EF });
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
    if (i % 20_000 === 0) progress(`ingested ${i + batch.length}`);
  }
  const ingestSeconds = (performance.now() - ingestStart) / 1000;
  progress(`ingested ${CHUNKS} chunks in ${ingestSeconds.toFixed(1)} s`);
  const rssBeforeBuild = process.memoryUsage.rss();
  const buildStart = performance.now();
  await sql.exec(`SET maintenance_work_mem = '512MB';`);
  await index.buildVectorIndex();
  await sql.exec('ANALYZE knowledge.chunks;');
  const buildSeconds = (performance.now() - buildStart) / 1000;
  const buildRssGrowthMb = Math.round((process.memoryUsage.rss() - rssBeforeBuild) / 1024 / 1024);
  const [size] = await sql.query<{ hnsw: number; heap: number }>(
    `SELECT (SELECT sum(pg_relation_size(indexrelid)) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
              WHERE c.relname LIKE 'chunks_embedding_p%' AND i.indrelid = 'knowledge.chunks'::regclass)::float8 / 1048576 AS hnsw,
            pg_total_relation_size('knowledge.chunks')::float8 / 1048576 AS heap`,
  );
  progress(`HNSW built in ${buildSeconds.toFixed(1)} s`);

  const knowledge = new Knowledge({ tenant: TENANT, index, embedder });
  const byId = new Map(texts.map((t) => [t.chunk.id, t.chunk]));
  let unauthorised = 0;
  let returned = 0;
  const queries = Array.from({ length: QUERIES }, (_, q) => {
    const principal = principals[q % PRINCIPALS]!;
    const target =
      texts.find((t, i) => i >= Math.floor(rand() * CHUNKS) && permitted(principal, t.chunk)) ??
      texts.find((t) => permitted(principal, t.chunk))!;
    return { principal, text: target.text.split(' ').slice(0, 6).join(' ') };
  });
  const vectors = await embedder.embed(queries.map((q) => q.text));
  const vq = (q: number) => ({
    tenant: TENANT,
    principals: principalsOf(queries[q]!.principal),
    vector: vectors[q]!,
    k: 10,
  });

  // The plans of the first 20 hybrid statements: every HNSW level's part through its own partial
  // index, the P5 + P4 part through the GIN index on acl (the planner's choice, not forced).
  let intendedPlans = 0;
  const PLAN_SAMPLE = Math.min(20, QUERIES);
  for (let q = 0; q < PLAN_SAMPLE; q++) {
    const plan = await index.explainHybrid({ ...vq(q), k: 20, text: queries[q]!.text });
    const held = principalsOf(queries[q]!.principal);
    const wanted = [
      ...(['P3', 'P2', 'P1'] as const)
        .filter((level) => held.some((p) => principalLevel(p) === level))
        .map((level) => `Index Scan using chunks_embedding_${level.toLowerCase()} on chunks`),
      'Bitmap Index Scan on chunks_acl',
    ];
    if (wanted.every((w) => plan.includes(w))) intendedPlans++;
    else if (q === 0 || process.env.KNOWLEDGE_BENCH_PLANS) progress(`unexpected plan:\n${plan}`);
  }
  progress(`${intendedPlans} of ${PLAN_SAMPLE} sampled plans use the intended indexes`);

  // The full cascade at the library default ef_search.
  const full = { wall: [] as number[], cpu: [] as number[] };
  // The hybrid query exactly as Knowledge.search issues it (k doubled, candidates 5 per result),
  // top 10 compared: the recall of the search as users get it (the bench's chunks carry no
  // policyKey, so the cascade step keeps the hybrid order).
  const hybridQ = (q: number) => ({ ...vq(q), k: 20, text: queries[q]!.text });
  const top10 = (hits: readonly { chunk: { id: string } }[]) => hits.slice(0, 10).map((h) => h.chunk.id);
  const recallVs = (exactIds: readonly string[], ids: readonly string[]) =>
    exactIds.length ? ids.filter((id) => exactIds.includes(id)).length / exactIds.length : 1;
  const exactHybrid: string[][] = [];
  let hybridRecallTextOnly = 0;
  let hybridRecallVectorOnly = 0;
  // The exact references first, in their own loop: interleaved with the timed searches, their
  // heavy scans (and the garbage they leave to the collector) were charged to the next search's
  // CPU time (cascade CPU p95 26.4 ms interleaved vs 19.9 ms for the same statement timed alone).
  for (let q = 0; q < RECALL_QUERIES; q++) {
    const hq = hybridQ(q);
    const exactTop = top10(await index.hybridSearch(hq, { exact: true }));
    exactHybrid.push(exactTop);
    const recallOf = (hits: readonly { chunk: { id: string } }[]) => recallVs(exactTop, top10(hits));
    // Which branch loses it: only the text cap approximate, or only HNSW approximate.
    hybridRecallTextOnly += recallOf(await index.hybridSearch(hq, { exactVector: true }));
    hybridRecallVectorOnly += recallOf(await index.hybridSearch(hq, { uncappedText: true }));
  }
  progress('exact hybrid references computed');
  for (let q = 0; q < QUERIES; q++) {
    const { principal, text } = queries[q]!;
    const r = await timed(() => knowledge.search(principal, text, { k: 10 }));
    full.wall.push(r.wall);
    full.cpu.push(r.cpu);
    returned += r.value.length;
    unauthorised += r.value.filter((x) => !permitted(principal, byId.get(x.chunkId)!)).length;
    if (q % 50 === 49) progress(`${q + 1} cascade queries`);
  }

  // The vector branch alone, per ef_search, against exact filtered search.
  // Exact filtered search timed too: brute force over the caller's readable rows is what a planner
  // would run instead of HNSW when the readable set is small, so its cost says where that pays.
  const exact: string[][] = [];
  const exactCpu: number[] = [];
  const exactWall: number[] = [];
  for (let q = 0; q < RECALL_QUERIES; q++) {
    const r = await timed(() => index.vectorSearch(vq(q), true));
    exact.push(r.value);
    exactCpu.push(r.cpu);
    exactWall.push(r.wall);
  }
  const branch: Figure[] = [];
  for (const ef of EF_SEARCH) {
    await sql.exec(`SET hnsw.ef_search = ${ef};`);
    const wall: number[] = [];
    const cpu: number[] = [];
    let recall = 0;
    let hybridRecall = 0;
    const hybridCpu: number[] = [];
    for (let q = 0; q < RECALL_QUERIES; q++) {
      const r = await timed(() => index.hybridSearch(hybridQ(q)));
      hybridCpu.push(r.cpu);
      hybridRecall += recallVs(exactHybrid[q]!, top10(r.value));
      unauthorised += r.value.filter((h) => !permitted(queries[q]!.principal, byId.get(h.chunk.id)!)).length;
    }
    for (let q = 0; q < QUERIES; q++) {
      const r = await timed(() => index.vectorSearch(vq(q)));
      wall.push(r.wall);
      cpu.push(r.cpu);
      unauthorised += r.value.filter((id) => !permitted(queries[q]!.principal, byId.get(id)!)).length;
      if (q < RECALL_QUERIES)
        recall += exact[q]!.length
          ? r.value.filter((id) => exact[q]!.includes(id)).length / exact[q]!.length
          : 1;
    }
    branch.push(
      {
        name: `knowledge recall@10 hybrid query as Knowledge.search issues it, ef_search=${ef} (vs the same query exact)`,
        value: round(hybridRecall / RECALL_QUERIES, 3),
        unit: 'ratio',
      },
      { name: `knowledge hybrid query ef_search=${ef} CPU p50`, value: p(hybridCpu, 50), unit: 'ms' },
      { name: `knowledge hybrid query ef_search=${ef} CPU p95`, value: p(hybridCpu, 95), unit: 'ms' },
      {
        name: `knowledge ACL-filtered vector branch top-10 ef_search=${ef} p50`,
        value: p(wall, 50),
        unit: 'ms',
      },
      {
        name: `knowledge ACL-filtered vector branch top-10 ef_search=${ef} p95`,
        value: p(wall, 95),
        unit: 'ms',
      },
      {
        name: `knowledge ACL-filtered vector branch top-10 ef_search=${ef} CPU p50`,
        value: p(cpu, 50),
        unit: 'ms',
      },
      {
        name: `knowledge ACL-filtered vector branch top-10 ef_search=${ef} CPU p95`,
        value: p(cpu, 95),
        unit: 'ms',
      },
      {
        name: `knowledge recall@10 ef_search=${ef} (vector branch: per-level HNSW + exact P5/P4, vs exact filtered)`,
        value: round(recall / RECALL_QUERIES, 3),
        unit: 'ratio',
      },
    );
    progress(`ef_search=${ef} measured`);
  }
  await sql.close();
  return [
    { name: 'knowledge chunks indexed', value: CHUNKS, unit: 'chunks' },
    { name: 'knowledge embedding dimensions (local lexical)', value: DIMENSIONS, unit: 'dims' },
    {
      name: 'knowledge bulk ingest (lexical embed + insert)',
      value: round(CHUNKS / ingestSeconds, 0),
      unit: 'chunks/s',
    },
    {
      name: 'knowledge per-level HNSW index build (P3, P2, P1; m=16, ef_construction=64) + ANALYZE',
      value: round(buildSeconds, 1),
      unit: 's',
    },
    { name: 'knowledge RSS growth during HNSW build', value: buildRssGrowthMb, unit: 'MB' },
    {
      name: 'knowledge HNSW indexes size (3 partial)',
      value: round(size?.hnsw ?? Number.NaN, 1),
      unit: 'MB',
    },
    {
      name: 'knowledge sampled plans taking the intended index for every vector part',
      value: intendedPlans,
      unit: `of ${PLAN_SAMPLE}`,
    },
    { name: 'knowledge chunks table + indexes size', value: round(size?.heap ?? Number.NaN, 1), unit: 'MB' },
    {
      name: `knowledge cascade search top-10 p50 (ef_search=${DEFAULT_EF})`,
      value: p(full.wall, 50),
      unit: 'ms',
    },
    {
      name: `knowledge cascade search top-10 p95 (ef_search=${DEFAULT_EF})`,
      value: p(full.wall, 95),
      unit: 'ms',
    },
    { name: 'knowledge cascade search top-10 CPU p50', value: p(full.cpu, 50), unit: 'ms' },
    { name: 'knowledge cascade search top-10 CPU p95', value: p(full.cpu, 95), unit: 'ms' },
    {
      name: 'knowledge recall@10 hybrid query, only the full-text cap approximate (vector branch exact)',
      value: round(hybridRecallTextOnly / RECALL_QUERIES, 3),
      unit: 'ratio',
    },
    {
      name: 'knowledge recall@10 hybrid query, only HNSW approximate (full text uncapped)',
      value: round(hybridRecallVectorOnly / RECALL_QUERIES, 3),
      unit: 'ratio',
    },
    {
      name: 'knowledge exact filtered vector top-10 (every level ranked exactly) p95',
      value: p(exactWall, 95),
      unit: 'ms',
    },
    {
      name: 'knowledge exact filtered vector top-10 (every level ranked exactly) CPU p95',
      value: p(exactCpu, 95),
      unit: 'ms',
    },
    ...branch,
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
