/** Two operator replicas: only the lease holder writes; the standby takes over when the leader goes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultProxy } from '@cw/testing/kube';
import type { TenantOperator } from '../src/index.js';
import { eventually } from '@cw/testing/processes';
import { isReady, sleep, startHarness, tenantWrites, type Harness } from './kube/harness.js';

let h: Harness;
let proxyB: FaultProxy;
let a: TenantOperator;
let b: TenantOperator;

beforeAll(async () => {
  h = await startHarness('leader');
  proxyB = await h.newProxy();
  a = await h.startOperator();
  await eventually(async () => a.isLeader, 'replica A leading', 15_000);
  b = await h.startOperator({ proxy: proxyB });
});
afterAll(async () => {
  await h?.close();
});

describe('leader election', () => {
  it('lets only the leader write', async () => {
    h.proxy.resetCounts();
    proxyB.resetCounts();
    const tenants = [h.tenant(), h.tenant()];
    for (const t of tenants) await h.apply(t);
    for (const t of tenants) await h.waitFor(t.metadata.name, isReady);
    expect(a.isLeader).toBe(true);
    expect(b.isLeader).toBe(false);
    expect(tenantWrites(h.proxy)).toBeGreaterThan(0);
    expect(tenantWrites(proxyB)).toBe(0);
    // The standby only reads the lease; it never writes it while it is held.
    expect(proxyB.writes({ resource: 'leases' })).toBe(0);
    expect(proxyB.count({ verb: 'get', resource: 'leases' })).toBeGreaterThan(0);
  });

  it('hands over when the leader cannot renew, and the old leader stops writing', async () => {
    // Cut replica A off from its lease: it steps down after the renew deadline (2 s).
    const cut = h.proxy.inject({ resource: 'leases', fault: { type: 'error', code: 503 } });
    await eventually(async () => !a.isLeader, 'A steps down', 10_000);
    h.proxy.resetCounts();
    await eventually(async () => b.isLeader, 'B takes over', 15_000);
    const t = h.tenant();
    await h.apply(t);
    await h.waitFor(t.metadata.name, isReady);
    await sleep(500);
    expect(tenantWrites(h.proxy)).toBe(0);
    expect(tenantWrites(proxyB)).toBeGreaterThan(0);
    cut.remove();
  });

  it('hands over at once when the leader shuts down (it releases the lease)', async () => {
    // A is a standby again; make sure B leads, then stop B.
    await eventually(async () => b.isLeader && !a.isLeader, 'B leading, A standby', 10_000);
    const started = Date.now();
    await b.stop();
    await eventually(async () => a.isLeader, 'A takes over', 10_000);
    expect(Date.now() - started).toBeLessThan(5_000);
    const t = h.tenant();
    await h.apply(t);
    await h.waitFor(t.metadata.name, isReady);
  });
});
