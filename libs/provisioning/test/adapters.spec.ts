/**
 * The queue and store adapters against real Redis and PostgreSQL: deduplication by job id,
 * retry of a failed job with a fresh attempt budget, and the run/step/lifecycle records.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '@cw/db/testing';
import { PROVISIONING_QUEUE, parseTenant, sampleTenant, type ProvisioningJobData } from '@cw/tenant-model';
import { BullmqProvisioningQueue, DbRunStore } from '../src/index.js';

const connection = {
  url: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  maxRetriesPerRequest: null,
};

describe('BullmqProvisioningQueue (Redis)', () => {
  const prefix = `cwtest-${randomBytes(4).toString('hex')}`;
  const queue = new BullmqProvisioningQueue({ connection, prefix });
  const job = (step: ProvisioningJobData['step']): ProvisioningJobData => ({
    tenantId: 't1',
    slug: 'acme',
    runId: 'r1',
    goal: 'provision',
    step,
    correlationId: 'c1',
  });

  afterAll(async () => {
    await queue.queue.obliterate({ force: true });
    await queue.close();
  });

  it('adds a step once per tenant, run and step; the id is readable', async () => {
    expect(await queue.enqueue(job('render-tenant'))).toEqual({ jobId: 't1.r1.render-tenant', added: true });
    expect(await queue.enqueue(job('render-tenant'))).toEqual({ jobId: 't1.r1.render-tenant', added: false });
    const stored = await queue.queue.getJob('t1.r1.render-tenant');
    expect(stored?.opts).toMatchObject({ attempts: 5, backoff: { type: 'exponential', delay: 2000 } });
    expect(await queue.queue.getWaitingCount()).toBe(1);
  });

  it('requeues a failed job with a fresh attempt budget', async () => {
    await queue.queue.obliterate({ force: true });
    await queue.queue.add('notify', job('notify'), { jobId: 't1.r1.notify', attempts: 1 });
    const seen: number[] = [];
    let fail = true;
    const worker = new Worker<ProvisioningJobData>(
      PROVISIONING_QUEUE,
      async (j) => {
        seen.push(j.attemptsMade);
        if (fail) throw new Error('boom');
      },
      { connection, prefix },
    );
    await waitFor(async () => (await queue.queue.getJob('t1.r1.notify'))?.failedReason === 'boom');
    fail = false;
    await queue.requeue(job('notify'));
    await waitFor(async () => (await (await queue.queue.getJob('t1.r1.notify'))?.getState()) === 'completed');
    await worker.close();
    expect(seen).toEqual([0, 0]);
  });
});

describe('DbRunStore (PostgreSQL)', () => {
  let tdb: TestDatabase;
  let store: DbRunStore;
  let tenantId: string;

  beforeAll(async () => {
    tdb = await openTestDatabase('provisioning_store');
    store = new DbRunStore(tdb.db);
    const spec = parseTenant(sampleTenant({ name: 'storetest' })).spec;
    const t = await tdb.db.tenants.create({
      slug: 'storetest',
      spec,
      adminEmail: 'ada@example.com',
      correlationId: 'c0',
      billingMode: 'stripe',
      state: 'provisioning',
    });
    tenantId = t.id;
  });
  afterAll(async () => tdb?.close());

  it('records runs, attempts, errors and the lifecycle', async () => {
    const run = await store.createRun({
      tenantId,
      goal: 'provision',
      correlationId: 'c1',
      idempotencyKey: 'provision',
    });
    expect(run.status).toBe('queued');
    expect(run.steps.map((s) => s.status)).toEqual([
      'pending',
      'pending',
      'pending',
      'pending',
      'pending',
      'pending',
    ]);
    expect(
      (
        await store.createRun({
          tenantId,
          goal: 'provision',
          correlationId: 'c1',
          idempotencyKey: 'provision',
        })
      ).id,
    ).toBe(run.id);

    await store.stepStarted(run.id, 'synthesize-infrastructure', new Date());
    await store.stepFinished(run.id, 'synthesize-infrastructure', {
      status: 'succeeded',
      finishedAt: new Date(),
      durationMs: 5,
      output: { resourceCount: 5 },
      message: '5 resources',
    });
    await store.stepStarted(run.id, 'apply-infrastructure', new Date());
    await store.stepFinished(run.id, 'apply-infrastructure', {
      status: 'retrying',
      finishedAt: new Date(),
      durationMs: 5,
      error: 'throttled',
    });
    const second = await store.stepStarted(run.id, 'apply-infrastructure', new Date());
    expect(second.attempts).toBe(2);
    await store.stepFinished(run.id, 'apply-infrastructure', {
      status: 'failed',
      finishedAt: new Date(),
      durationMs: 5,
      error: 'quota exceeded',
    });
    await store.runFinished(run.id, {
      status: 'failed',
      at: new Date(),
      error: 'apply-infrastructure: quota exceeded',
    });
    expect(
      await store.transition(tenantId, 'provisioning_failed', {
        actor: { kind: 'provisioner', runId: run.id },
        detail: { step: 'apply-infrastructure' },
      }),
    ).toBe('failed');

    const failed = (await store.latestRun(tenantId))!;
    expect(failed.status).toBe('failed');
    expect(failed.steps[0]).toMatchObject({
      status: 'succeeded',
      message: '5 resources',
      output: { resourceCount: 5 },
    });
    expect(failed.steps[1]).toMatchObject({
      step: 'apply-infrastructure',
      status: 'failed',
      attempts: 2,
      error: 'quota exceeded',
    });

    await store.runResumed(run.id, 'apply-infrastructure');
    const resumed = (await store.getRun(run.id))!;
    expect(resumed.status).toBe('queued');
    expect(resumed.steps.map((s) => s.status)).toEqual([
      'succeeded',
      'pending',
      'pending',
      'pending',
      'pending',
      'pending',
    ]);
    expect(await store.getRun(randomUUID())).toBeUndefined();
  });

  it('records health only when it changes, and the welcome e-mail idempotency record', async () => {
    await tdb.db.lifecycle.transition(tenantId, 'retry_requested', {
      actor: { kind: 'system', reason: 't' },
    });
    await tdb.db.lifecycle.transition(tenantId, 'provisioning_succeeded', {
      actor: { kind: 'system', reason: 't' },
    });
    const request = { actor: { kind: 'system', reason: 'test' } as const };
    expect(
      await store.recordHealth(
        tenantId,
        { phase: 'Degraded', ready: false, degraded: true, message: 'x' },
        request,
      ),
    ).toBe(true);
    expect(
      await store.recordHealth(
        tenantId,
        { phase: 'Degraded', ready: false, degraded: true, message: 'y' },
        request,
      ),
    ).toBe(false);
    expect(
      await store.recordHealth(tenantId, { phase: 'Ready', ready: true, degraded: false }, request),
    ).toBe(true);
    const history = await tdb.db.lifecycle.history(tenantId);
    expect(history.filter((e) => e.event === 'health_changed').map((e) => e.details?.phase)).toEqual([
      'Degraded',
      'Ready',
    ]);

    const key = `welcome:${tenantId}`;
    expect(await store.notificationStatus(tenantId, key)).toBeUndefined();
    await store.markNotification(tenantId, key, 'sending', 'c1');
    expect(await store.notificationStatus(tenantId, key)).toBe('sending');
    await store.markNotification(tenantId, key, 'sent', 'c1');
    expect(await store.notificationStatus(tenantId, key)).toBe('sent');
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}
