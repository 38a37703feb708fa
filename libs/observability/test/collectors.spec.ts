// The collectors libs/observability offers the processes: queue backlog from a real BullMQ
// queue on the real Redis, and the admin/audit counters.
import { randomBytes } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { Registry, adminOutcomeOf, createAdminMetrics, registerQueueMetrics } from '../src/index.js';

const connection = {
  url: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  maxRetriesPerRequest: null,
};
const prefix = `cwobs-${randomBytes(4).toString('hex')}`;
const queue = new Queue('cw-provisioning', { connection, prefix });
let worker: Worker | undefined;

afterAll(async () => {
  await worker?.close(true);
  await queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close();
});

const value = async (registry: Registry, name: string, labels: Record<string, string> = {}) => {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  return metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
};

describe('registerQueueMetrics', () => {
  it('reports jobs by state and the age of the oldest active and waiting job from a real BullMQ queue', async () => {
    let clock = Date.now();
    const registry = new Registry();
    registerQueueMetrics(registry, queue, { now: () => clock });
    await queue.add('a', {}, { jobId: 'a' });
    await new Promise((r) => setTimeout(r, 20));
    await queue.add('b', {}, { jobId: 'b' });
    await queue.add('later', {}, { jobId: 'later', delay: 60_000 });
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let taken = 0;
    // One job active and held: the worker takes the oldest waiting job (a).
    worker = new Worker(
      'cw-provisioning',
      async () => {
        taken++;
        await held;
      },
      { connection, prefix, concurrency: 1 },
    );
    for (let i = 0; i < 100 && taken === 0; i++) await new Promise((r) => setTimeout(r, 50));
    const active = (await queue.getJobs(['active']))[0]!;
    const waiting = (await queue.getJobs(['waiting']))[0]!;
    clock = active.processedOn! + 90_000;
    await registry.metrics();
    expect(await value(registry, 'cw_provisioning_queue_jobs', { state: 'active' })).toBe(1);
    expect(await value(registry, 'cw_provisioning_queue_jobs', { state: 'waiting' })).toBe(1);
    expect(await value(registry, 'cw_provisioning_queue_jobs', { state: 'delayed' })).toBe(1);
    expect(await value(registry, 'cw_provisioning_queue_jobs', { state: 'failed' })).toBe(0);
    expect(await value(registry, 'cw_provisioning_oldest_active_job_age_seconds')).toBeCloseTo(90, 0);
    expect(await value(registry, 'cw_provisioning_oldest_waiting_job_age_seconds')).toBeCloseTo(
      (clock - waiting.timestamp) / 1000,
      0,
    );
    release();
  });

  it('answers the scrape with the last values and counts an error when the queue hangs', async () => {
    const registry = new Registry();
    let hang = false;
    registerQueueMetrics(
      registry,
      {
        getJobCounts: async () =>
          hang ? new Promise<Record<string, number>>(() => undefined) : { waiting: 3 },
        getJobs: async () => [],
      },
      { timeoutMs: 100 },
    );
    await registry.metrics();
    expect(await value(registry, 'cw_provisioning_queue_jobs', { state: 'waiting' })).toBe(3);
    hang = true;
    await new Promise((r) => setTimeout(r, 300)); // past the per-scrape memo
    const started = Date.now();
    await registry.metrics();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await value(registry, 'cw_provisioning_queue_scrape_errors_total')).toBeGreaterThanOrEqual(1);
    expect(await value(registry, 'cw_provisioning_queue_jobs', { state: 'waiting' })).toBe(3);
  });
});

describe('createAdminMetrics', () => {
  it('counts admin requests by operation and outcome, folding unknown operation names', async () => {
    const registry = new Registry();
    const admin = createAdminMetrics(registry);
    expect(createAdminMetrics(registry)).toBeDefined(); // idempotent per registry
    admin.observe('suspendTenant', 200);
    admin.observe('suspendTenant', 403);
    admin.observe('getTenant', 404);
    admin.observe('../../etc/passwd', 500);
    admin.audited('suspendTenant', 'ok');
    admin.audited('offboardTenant', 'denied', 'error');
    expect(
      await value(registry, 'cw_admin_requests_total', { operation: 'suspendTenant', outcome: 'ok' }),
    ).toBe(1);
    expect(
      await value(registry, 'cw_admin_requests_total', { operation: 'suspendTenant', outcome: 'denied' }),
    ).toBe(1);
    expect(
      await value(registry, 'cw_admin_requests_total', { operation: 'getTenant', outcome: 'rejected' }),
    ).toBe(1);
    expect(await value(registry, 'cw_admin_requests_total', { operation: 'other', outcome: 'failed' })).toBe(
      1,
    );
    expect(await value(registry, 'cw_audit_events_total', { action: 'offboardTenant', write: 'error' })).toBe(
      1,
    );
    expect([200, 401, 403, 409, 503].map(adminOutcomeOf)).toEqual([
      'ok',
      'denied',
      'denied',
      'rejected',
      'failed',
    ]);
  });
});
