/**
 * The AI hub's metrics for the data-plane alerts and dashboards: engine-token minting outcomes,
 * knowledge retrieval latency and ingest time, and active users — counted from salted hashes held
 * in memory for at most 24 h, never exported as ids (the gauges carry only a window label).
 * Wrapped around the hub's own objects so the mint and the knowledge library stay unaware.
 */
import { createHash } from 'node:crypto';
import { Counter, Gauge, Histogram, type Registry } from '@cw/observability';
import type { Knowledge } from '@cw/knowledge';
import type { EngineTokenMint } from '../hub/token-mint.js';

const WINDOWS = { '5m': 5 * 60_000, '1h': 3_600_000, '24h': 86_400_000 } as const;
const LATENCY = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const INGEST = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

export type HubMetrics = ReturnType<typeof build>;

/** Objects already wrapped (a test may hand the same mint to several hubs). */
const wrapped = new WeakSet<object>();
const byRegistry = new WeakMap<Registry, HubMetrics>();
/** One set per registry: a second hub on the same registry (tests) shares the metrics. */
export function createHubMetrics(registry: Registry, tenant: string): HubMetrics {
  let metrics = byRegistry.get(registry);
  if (!metrics) byRegistry.set(registry, (metrics = build(registry, tenant)));
  return metrics;
}

function build(registry: Registry, tenant: string) {
  const mints = new Counter({
    name: 'cw_cerebro_engine_token_mints_total',
    help: 'Engine access tokens minted, by outcome (ok, failed)',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const retrieval = new Histogram({
    name: 'cw_knowledge_search_duration_seconds',
    help: 'Knowledge retrieval (embed + ACL-filtered hybrid query + cascade), by outcome',
    labelNames: ['outcome'],
    buckets: LATENCY,
    registers: [registry],
  });
  const ingest = new Histogram({
    name: 'cw_knowledge_ingest_duration_seconds',
    help: 'From an ingest request to its chunks being searchable (extract, embed, index), by outcome',
    labelNames: ['outcome'],
    buckets: INGEST,
    registers: [registry],
  });
  // Salted so that the in-memory key is not the bare hash used elsewhere; cleared after 24 h.
  const seen = new Map<string, number>();
  const salt = `${tenant}:${Math.random()}`;
  new Gauge({
    name: 'cw_cerebro_active_users',
    help: 'Distinct people who used the AI hub within the window (counted from hashes; no ids exported)',
    labelNames: ['window'],
    registers: [registry],
    collect() {
      const now = Date.now();
      for (const [k, at] of seen) if (now - at > WINDOWS['24h']) seen.delete(k);
      for (const [window, ms] of Object.entries(WINDOWS))
        this.set({ window }, [...seen.values()].filter((at) => now - at <= ms).length);
    },
  });
  const timed = async <T>(h: Histogram<'outcome'>, run: () => Promise<T>): Promise<T> => {
    const end = h.startTimer();
    try {
      const out = await run();
      end({ outcome: 'ok' });
      return out;
    } catch (error) {
      end({ outcome: 'failed' });
      throw error;
    }
  };
  return {
    active(userId: string): void {
      seen.set(createHash('sha256').update(salt).update(userId).digest('hex'), Date.now());
    },
    /** Counts each mint's outcome (the mint object keeps working as before). */
    countMints(mint: EngineTokenMint): EngineTokenMint {
      if (wrapped.has(mint)) return mint;
      wrapped.add(mint);
      const original = mint.mint.bind(mint);
      mint.mint = async (...args) => {
        try {
          const token = await original(...args);
          mints.inc({ outcome: 'ok' });
          return token;
        } catch (error) {
          mints.inc({ outcome: 'failed' });
          throw error;
        }
      };
      return mint;
    },
    timeKnowledge(knowledge: Knowledge): Knowledge {
      if (wrapped.has(knowledge)) return knowledge;
      wrapped.add(knowledge);
      const search = knowledge.search.bind(knowledge);
      const ingestOf = knowledge.ingest.bind(knowledge);
      knowledge.search = (...args) => timed(retrieval, () => search(...args));
      knowledge.ingest = (...args) => timed(ingest, () => ingestOf(...args));
      return knowledge;
    },
  };
}
