// Every transition of the tenant state machine (libs/tenant-model lifecycle.ts), legal and
// illegal, through the use case that persists it: real PostgreSQL, real BullMQ on Redis.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  IllegalTransitionError,
  LIFECYCLE_EVENT_TYPES,
  LIFECYCLE_TRANSITIONS,
  TENANT_STATES,
  provisioningJobId,
  type LifecycleEventType,
  type TenantState,
} from '@cw/tenant-model';
import { createLogger } from '@cw/observability';
import type { Database } from '@cw/db';
import { openTestDatabase, type TestDatabase } from '@cw/db/testing';
import { BullmqProvisioningQueue } from '@cw/provisioning/queue';
import { ProvisioningDispatcher, TransitionTenantUseCase, noMetrics } from '../src/index.js';
import { tenantFactory } from './support/tenants.js';

let testDb: TestDatabase;
let db: Database;
let redis: Redis;
let queue: BullmqProvisioningQueue;
let useCase: TransitionTenantUseCase;
const prefix = `cwtest-lifecycle-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  testDb = await openTestDatabase('lifecycle');
  db = testDb.db;
  redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  queue = new BullmqProvisioningQueue({ connection: redis, prefix });
  const logger = createLogger({ name: 'test', level: 'silent' });
  useCase = new TransitionTenantUseCase(db, new ProvisioningDispatcher(db, queue, logger), noMetrics);
});
afterAll(async () => {
  await queue?.queue.obliterate({ force: true });
  await queue?.close();
  redis?.disconnect();
  await testDb?.close();
});

const tenantIn = tenantFactory(() => db, 'lc');

const cases = TENANT_STATES.flatMap((from) => LIFECYCLE_EVENT_TYPES.map((event) => ({ from, event })));
const legal = (from: TenantState, event: LifecycleEventType) =>
  (LIFECYCLE_TRANSITIONS[event].from as readonly TenantState[]).includes(from);

describe('tenant lifecycle: legal transitions', () => {
  it.each(cases.filter((c) => legal(c.from, c.event)))('$event from $from', async ({ from, event }) => {
    const tenant = await tenantIn(from);
    const expected = LIFECYCLE_TRANSITIONS[event].to ?? from;
    const outcome = await useCase.execute(tenant.id, event, {
      actor: { kind: 'system', reason: 'test' },
      cause: `test ${event}`,
    });
    expect(outcome).toMatchObject({ from, to: expected });
    expect((await db.tenants.getById(tenant.id)).state).toBe(expected);
    const history = await db.lifecycle.history(tenant.id);
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({
      event,
      from,
      to: expected,
      actor: { kind: 'system', reason: 'test' },
      cause: `test ${event}`,
      correlationId: tenant.correlationId,
    });
    expect(history[0]!.occurredAt).toBeInstanceOf(Date);
  });
});

describe('tenant lifecycle: illegal transitions', () => {
  it.each(cases.filter((c) => !legal(c.from, c.event)))(
    '$event from $from is refused',
    async ({ from, event }) => {
      const tenant = await tenantIn(from);
      const error = await useCase
        .execute(tenant.id, event, { actor: { kind: 'system', reason: 'test' } })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IllegalTransitionError);
      expect((error as Error).message).toContain(`cannot apply "${event}" to a tenant in state "${from}"`);
      expect((await db.tenants.getById(tenant.id)).state).toBe(from);
      expect(await db.lifecycle.history(tenant.id)).toEqual([]);
    },
  );
});

describe('tenant lifecycle: side effects', () => {
  it('covers the whole table', () => {
    expect(cases).toHaveLength(TENANT_STATES.length * LIFECYCLE_EVENT_TYPES.length);
  });

  it('starts a provisioning run with the transition and enqueues its first job exactly once', async () => {
    const tenant = await tenantIn('pending_payment');
    const run = { goal: 'provision' as const, idempotencyKey: 'provision' };
    const outcome = await useCase.execute(tenant.id, 'checkout_completed', {
      actor: { kind: 'stripe', eventId: 'evt_1' },
      run,
    });
    expect(outcome.run?.created).toBe(true);
    const runId = outcome.run!.run.id;
    const job = await queue.queue.getJob(provisioningJobId(tenant.id, runId, 'synthesize-infrastructure'));
    expect(job?.data).toEqual({
      tenantId: tenant.id,
      slug: tenant.slug,
      runId,
      goal: 'provision',
      step: 'synthesize-infrastructure',
      correlationId: tenant.correlationId,
    });
    expect((await db.runs.getById(runId)).enqueuedAt).toBeInstanceOf(Date);
    // Asking again for the same run (e.g. a retried request) neither creates nor enqueues another.
    await useCase.execute(tenant.id, 'plan_changed', { actor: { kind: 'system', reason: 'again' }, run });
    expect(await db.runs.countByTenant(tenant.id)).toBe(1);
    expect(await queue.queue.getJobCounts('waiting', 'delayed', 'active')).toMatchObject({ waiting: 1 });
  });

  it('rolls back the run with the transition when the transition is illegal', async () => {
    const tenant = await tenantIn('active');
    await expect(
      useCase.execute(tenant.id, 'checkout_completed', {
        actor: { kind: 'system', reason: 'x' },
        run: { goal: 'provision', idempotencyKey: 'provision' },
      }),
    ).rejects.toBeInstanceOf(IllegalTransitionError);
    expect(await db.runs.countByTenant(tenant.id)).toBe(0);
  });

  it('walks the happy path end to end with one event per step', async () => {
    const tenant = await tenantIn('pending_verification');
    const path: LifecycleEventType[] = [
      'email_verified',
      'checkout_completed',
      'provisioning_succeeded',
      'payment_failed',
      'grace_period_expired',
      'invoice_paid',
      'subscription_cancelled',
      'offboard_started',
      'offboarding_completed',
    ];
    for (const event of path)
      await useCase.execute(tenant.id, event, { actor: { kind: 'system', reason: event } });
    const history = await db.lifecycle.history(tenant.id);
    expect(history.map((h) => `${h.from}→${h.to}`)).toEqual([
      'pending_verification→pending_payment',
      'pending_payment→provisioning',
      'provisioning→active',
      'active→active',
      'active→suspended',
      'suspended→active',
      'active→active',
      'active→offboarding',
      'offboarding→deleted',
    ]);
  });
});
