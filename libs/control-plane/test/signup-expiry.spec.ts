// Abandoned sign-ups expire through the periodic sweep: real PostgreSQL (own schema), real BullMQ
// on Redis. "Old" tenants are made so by moving their last change back in the database.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { TenantState } from '@cw/tenant-model';
import { createLogger, createTestLogSink } from '@cw/observability';
import type { Database } from '@cw/db';
import { openTestDatabase, type TestDatabase } from '@cw/db/testing';
import { BullmqProvisioningQueue } from '@cw/provisioning/queue';
import {
  EnforceBillingDeadlinesUseCase,
  ExpireSignupsUseCase,
  ProvisioningDispatcher,
  TransitionTenantUseCase,
  type ControlPlaneMetrics,
  type SignupExpiryPolicy,
} from '../src/index.js';
import { tenantFactory } from './support/tenants.js';

const DAY = 86_400_000;
const WEEK = 7 * DAY;

let testDb: TestDatabase;
let db: Database;
let sql: pg.Client;
let redis: Redis;
let queue: BullmqProvisioningQueue;
let transitions: TransitionTenantUseCase;
let dispatcher: ProvisioningDispatcher;
const sink = createTestLogSink();
const logger = createLogger({ name: 'test', level: 'info', destination: sink.destination });
const counted: string[] = [];
const metrics: ControlPlaneMetrics = {
  webhookEvent: () => undefined,
  transition: (event, from, to) => counted.push(`${event}:${from}→${to}`),
};
const prefix = `cwtest-expiry-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  testDb = await openTestDatabase('signup_expiry');
  db = testDb.db;
  sql = new pg.Client({ connectionString: testDb.url, options: `-c search_path=${testDb.schema}` });
  await sql.connect();
  redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  queue = new BullmqProvisioningQueue({ connection: redis, prefix });
  dispatcher = new ProvisioningDispatcher(db, queue, logger);
  transitions = new TransitionTenantUseCase(db, dispatcher, metrics);
});
afterAll(async () => {
  await queue?.queue.obliterate({ force: true });
  await queue?.close();
  redis?.disconnect();
  await sql?.end();
  await testDb?.close();
});

const expiry = (policy: Partial<SignupExpiryPolicy> = {}) =>
  new ExpireSignupsUseCase(db, transitions, { expiryMs: WEEK, ...policy }, () => new Date(), logger);

const create = tenantFactory(() => db, 'exp');
async function tenantIn(state: TenantState, ageDays = 0) {
  const tenant = await create(state);
  if (ageDays) await age(tenant.id, ageDays);
  return db.tenants.getById(tenant.id);
}

/** Moves the tenant's last change `days` into the past. */
const age = (tenantId: string, days: number) =>
  sql.query(`update tenants set updated_at = now() - make_interval(days => $2) where id = $1`, [
    tenantId,
    days,
  ]);

/** An open magic link of the tenant; returns the stored hash. */
async function openLink(tenantId: string, purpose: 'verify-email' | 'sign-in' = 'verify-email') {
  const tokenHash = `hash-${randomUUID()}`;
  await db.emailTokens.create({ tenantId, tokenHash, purpose, expiresAt: new Date(Date.now() + DAY) });
  return tokenHash;
}

/** Exactly what following a verification link does to the rows (VerifyEmailUseCase). */
const verify = (tenantId: string) =>
  db.lifecycle.transition(tenantId, 'email_verified', {
    actor: { kind: 'customer', emailHash: 'sha256:test' },
  });

describe('sign-up expiry', () => {
  it('deletes an old unverified sign-up: event, audit, links revoked, e-mail erased, slug free', async () => {
    const tenant = await tenantIn('pending_verification', 8);
    await openLink(tenant.id);
    await openLink(tenant.id, 'sign-in');
    sink.clear();

    expect(await expiry().execute()).toBe(1);

    const after = await db.tenants.getById(tenant.id);
    expect(after).toMatchObject({
      state: 'deleted',
      adminEmail: null,
      adminEmailHash: tenant.adminEmailHash,
    });
    expect(after.slugReleasedAt).toBeInstanceOf(Date);
    expect(await db.tenants.isSlugTaken(tenant.slug)).toBe(false);
    const history = await db.lifecycle.history(tenant.id);
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({
      event: 'signup_expired',
      from: 'pending_verification',
      to: 'deleted',
      actor: { kind: 'system', reason: 'sign-up expired' },
      cause: expect.stringMatching(/^e-mail not verified since /),
      correlationId: tenant.correlationId,
    });
    const tokens = await db.emailTokens.listForTenant(tenant.id);
    expect(tokens).toHaveLength(2);
    expect(tokens.every((t) => t.revokedAt !== null)).toBe(true);
    const audit = await db.audit.list({ tenantId: tenant.id });
    expect(audit).toEqual([
      expect.objectContaining({
        action: 'tenant.signup-expired',
        actor: { kind: 'system', reason: 'sign-up expired' },
        target: tenant.slug,
        outcome: 'ok',
        details: expect.objectContaining({ from: 'pending_verification', revokedLinks: 2 }),
      }),
    ]);
    expect(counted).toContain('signup_expired:pending_verification→deleted');
    const logged = sink.records().find((r) => r.msg === 'sign-up expired: e-mail erased, slug released');
    expect(logged).toMatchObject({ tenantId: tenant.id, adminEmailHash: tenant.adminEmailHash });
    expect(sink.text().toLowerCase()).not.toContain(tenant.adminEmail!.toLowerCase());
  });

  it('deletes an old unpaid sign-up', async () => {
    const tenant = await tenantIn('pending_payment', 10);
    expect(await expiry().execute()).toBe(1);
    expect(await db.tenants.getById(tenant.id)).toMatchObject({ state: 'deleted', adminEmail: null });
    expect((await db.lifecycle.history(tenant.id)).map((e) => [e.event, e.from, e.cause])).toEqual([
      ['signup_expired', 'pending_payment', expect.stringMatching(/^not paid since /)],
    ]);
  });

  it('leaves young sign-ups, paid tenants and sign-ups with a Stripe subscription alone', async () => {
    const young = await tenantIn('pending_verification', 6);
    const paid = await Promise.all(
      (['provisioning', 'active', 'suspended', 'failed', 'offboarding'] as const).map((s) => tenantIn(s, 30)),
    );
    const subscribed = await tenantIn('pending_payment');
    await db.tenants.update(subscribed.id, { stripeSubscriptionId: `sub_${subscribed.id}` }); // async payment in flight
    await age(subscribed.id, 30);

    expect(await expiry().execute()).toBe(0);
    for (const t of [young, ...paid, subscribed]) {
      const after = await db.tenants.getById(t.id);
      expect(after, t.state).toMatchObject({
        state: t.state,
        adminEmail: t.adminEmail,
        slugReleasedAt: null,
      });
      expect(await db.tenants.isSlugTaken(t.slug)).toBe(true);
    }
  });

  it('does nothing when SIGNUP_EXPIRY is 0', async () => {
    const tenant = await tenantIn('pending_verification', 365);
    expect(await expiry({ expiryMs: 0 }).execute()).toBe(0);
    expect((await db.tenants.getById(tenant.id)).state).toBe('pending_verification');
    await expiry().execute(); // clean up for the tests below
  });

  it('counts from the last change: a sign-up verified late gets the whole period to pay', async () => {
    const tenant = await tenantIn('pending_verification', 6);
    await verify(tenant.id);
    await expiry().execute(new Date(Date.now() + 3 * DAY)); // 9 days after sign-up, 3 after verification
    expect((await db.tenants.getById(tenant.id)).state).toBe('pending_payment');
    await expiry().execute(new Date(Date.now() + 8 * DAY));
    expect((await db.tenants.getById(tenant.id)).state).toBe('deleted');
  });

  it('lets a verification committed between selection and lock win', async () => {
    const tenant = await tenantIn('pending_verification', 8);
    const select = db.tenants.listExpiredSignups.bind(db.tenants);
    const spy = vi.spyOn(db.tenants, 'listExpiredSignups').mockImplementationOnce(async (...args) => {
      const selected = await select(...args);
      await verify(tenant.id); // the customer clicks the link right now
      return selected;
    });
    try {
      expect(await expiry().execute()).toBe(0);
    } finally {
      spy.mockRestore();
    }
    const after = await db.tenants.getById(tenant.id);
    expect(after).toMatchObject({
      state: 'pending_payment',
      adminEmail: tenant.adminEmail,
      slugReleasedAt: null,
    });
    expect((await db.lifecycle.history(tenant.id)).map((e) => e.event)).toEqual(['email_verified']);
  });

  it('waits for a verification that took the link and not yet the row, then leaves the tenant alone', async () => {
    const tenant = await tenantIn('pending_verification', 8);
    const tokenHash = await openLink(tenant.id);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => (locked = resolve));
    // The order VerifyEmailUseCase takes its locks in: the token, then the tenant row. The sweep
    // comes in between; taking them in the other order, the two would deadlock.
    const verification = db.transaction(async (tx) => {
      expect((await tx.emailTokens.consume(tokenHash, 'verify-email')).status).toBe('ok');
      locked();
      await held;
      await tx.lifecycle.transition(tenant.id, 'email_verified', {
        actor: { kind: 'customer', emailHash: 'sha256:test' },
      });
    });
    await lockTaken;
    sink.clear();
    const sweep = expiry().execute();
    await new Promise((resolve) => setTimeout(resolve, 200)); // the sweep is now waiting for the locks
    release();
    await verification;
    expect(await sweep).toBe(0);
    expect(await db.tenants.getById(tenant.id)).toMatchObject({
      state: 'pending_payment',
      slugReleasedAt: null,
    });
    // No deadlock for PostgreSQL to break (it would abort one side after deadlock_timeout).
    expect(sink.records().filter((r) => r.level === 50 || r.level === 'error')).toEqual([]);
  });

  it('works in bounded batches; the rest waits for the next pass', async () => {
    const old = await Promise.all([1, 2, 3, 4, 5].map(() => tenantIn('pending_verification', 9)));
    expect(await expiry({ batchSize: 2, maxBatches: 2 }).execute()).toBe(4);
    const states = await Promise.all(old.map(async (t) => (await db.tenants.getById(t.id)).state));
    expect(states.filter((s) => s === 'deleted')).toHaveLength(4);
    expect(await expiry({ batchSize: 2, maxBatches: 2 }).execute()).toBe(1);
  });

  it('runs as part of the deadline sweep', async () => {
    const tenant = await tenantIn('pending_payment', 8);
    const sweep = new EnforceBillingDeadlinesUseCase(
      db,
      transitions,
      dispatcher,
      () => new Date(),
      logger,
      expiry(),
    );
    expect(await sweep.execute()).toMatchObject({ expired: 1, suspended: 0, offboarded: 0 });
    expect((await db.tenants.getById(tenant.id)).state).toBe('deleted');
  });
});
