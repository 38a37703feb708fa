/**
 * The API misbehaves — conflicts, server errors, throttling, watches cut — and the operator
 * still converges, then settles to zero writes once the faults stop.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestInfo } from '@cw/testing/kube';
import type { TenantOperator } from '../src/index.js';
import { isReady, sleep, startHarness, tenantWrites, type Harness } from './kube/harness.js';

let h: Harness;
let operator: TenantOperator;

beforeAll(async () => {
  h = await startHarness('faults');
  operator = await h.startOperator();
});
afterAll(async () => {
  await h?.close();
});

// Leader election has its own test; faults here target the reconcile path.
const notLease = (i: RequestInfo) => i.resource !== 'leases';

describe('under injected faults', () => {
  it('converges through 409s, 500s, 429s and dropped watches', async () => {
    const rules = [
      h.proxy.inject({ verb: 'write', when: notLease, rate: 0.2, fault: { type: 'conflict' } }),
      h.proxy.inject({
        verb: 'write',
        when: notLease,
        rate: 0.15,
        fault: { type: 'error', code: 500, message: 'injected' },
      }),
      h.proxy.inject({
        verb: 'write',
        when: notLease,
        rate: 0.1,
        fault: { type: 'throttle', retryAfterSeconds: 1 },
      }),
      h.proxy.inject({ verb: 'watch', rate: 0.5, fault: { type: 'drop-watch', afterMs: 1_000 } }),
    ];
    const cutter = setInterval(() => h.proxy.dropWatches(), 2_000);
    try {
      const tenants = Array.from({ length: 5 }, () => h.tenant({ engines: [{ name: 'a' }] }));
      await Promise.all(tenants.map((t) => h.apply(t)));
      await Promise.all(tenants.map((t) => h.waitFor(t.metadata.name, isReady, 120_000)));
      for (const rule of rules) expect(rule.injected).toBeGreaterThan(0);
    } finally {
      clearInterval(cutter);
      h.proxy.clearFaults();
    }
    // Once the faults stop, nothing is left to do: no writes over more than one resync.
    await sleep(2_000);
    h.proxy.resetCounts();
    await sleep(6_000);
    expect(tenantWrites(h.proxy)).toBe(0);
    expect(operator.isLeader).toBe(true);
  });
});
