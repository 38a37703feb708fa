/** 100 Tenants created at once all become Ready, reconciled concurrently. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TenantOperator } from '../src/index.js';
import { isReady, startHarness, type Harness } from './kube/harness.js';

let h: Harness;
let operator: TenantOperator;

beforeAll(async () => {
  h = await startHarness('scale');
  operator = await h.startOperator({ env: { RECONCILE_CONCURRENCY: '16' } });
});
afterAll(async () => {
  // 100 namespaces take the namespace controller a minute or more to empty; nothing here waits for it.
  await h?.close({ fast: true });
}, 120_000);

describe('scale', () => {
  it('reconciles 100 tenants concurrently to Ready', { timeout: 240_000 }, async () => {
    const tenants = Array.from({ length: 100 }, () => h.tenant());
    const started = Date.now();
    for (let i = 0; i < tenants.length; i += 20)
      await Promise.all(tenants.slice(i, i + 20).map((t) => h.apply(t)));
    await Promise.all(tenants.map((t) => h.waitFor(t.metadata.name, isReady, 200_000)));
    const seconds = (Date.now() - started) / 1000;
    process.stderr.write(`[scale] 100 tenants Ready in ${seconds.toFixed(1)} s\n`);
    expect(operator.cache.tenants.size).toBe(100);
  });
});
