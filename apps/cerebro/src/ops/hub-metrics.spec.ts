// Hub metrics count what happens and export no person: active users are numbers per window, the
// scrape never contains an id or a hash of one; mint and knowledge outcomes are counted once.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { createRegistry } from '@cw/observability';
import type { Knowledge } from '@cw/knowledge';
import type { EngineTokenMint } from '../hub/token-mint.js';
import { createHubMetrics } from './hub-metrics.js';

describe('hub metrics', () => {
  it('counts active people per window without exporting who they are', async () => {
    const registry = createRegistry('cerebro');
    const m = createHubMetrics(registry, 'acme');
    for (const id of ['u-alice', 'u-bob', 'u-alice']) m.active(id);
    const text = await registry.metrics();
    expect(text).toMatch(/cw_cerebro_active_users\{[^}]*window="5m"[^}]*\} 2/);
    expect(text).toMatch(/cw_cerebro_active_users\{[^}]*window="24h"[^}]*\} 2/);
    for (const leak of ['u-alice', createHash('sha256').update('u-alice').digest('hex')])
      expect(text).not.toContain(leak);
    expect(createHubMetrics(registry, 'acme')).toBe(m);
  });

  it('counts mint outcomes and times knowledge calls, wrapping each object once', async () => {
    const registry = createRegistry('cerebro');
    const m = createHubMetrics(registry, 'acme');
    let fail = false;
    const mint = {
      mint: async () => {
        if (fail) throw new Error('no key');
        return 'token';
      },
    } as unknown as EngineTokenMint;
    m.countMints(m.countMints(mint));
    const subject = { id: 'u', email: 'u@example.com', roles: [], groups: [] };
    await mint.mint(subject, 'http://engine/mcp');
    fail = true;
    await expect(mint.mint(subject, 'http://engine/mcp')).rejects.toThrow('no key');
    const knowledge = { search: async () => [], ingest: async () => ({}) } as unknown as Knowledge;
    m.timeKnowledge(m.timeKnowledge(knowledge));
    await knowledge.search({} as never, 'q');
    // Counters' values carry no metricName; a histogram's count series is `<name>_count`.
    const value = async (name: string, outcome: string) => {
      const metric = (await registry.getMetricsAsJSON()).find((x) => x.name === name)!;
      const values = metric.values as {
        metricName?: string;
        labels: Record<string, unknown>;
        value: number;
      }[];
      return values.find(
        (v) => v.labels['outcome'] === outcome && (v.metricName ?? `${name}_count`) === `${name}_count`,
      )?.value;
    };
    expect(await value('cw_cerebro_engine_token_mints_total', 'ok')).toBe(1);
    expect(await value('cw_cerebro_engine_token_mints_total', 'failed')).toBe(1);
    expect(await value('cw_knowledge_search_duration_seconds', 'ok')).toBe(1);
  });
});
