// Repositories against the real PostgreSQL, in a schema of their own.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  IllegalTransitionError,
  validateTenantSpec,
  type TenantSpec,
  type TenantState,
} from '@cw/tenant-model';
import { SlugTakenError, TenantNotFoundError, type Database } from '../src/index.js';
import { openTestDatabase, type TestDatabase } from '../src/testing.js';

let testDb: TestDatabase;
let db: Database;
beforeAll(async () => {
  testDb = await openTestDatabase('db_repos');
  db = testDb.db;
});
afterAll(async () => testDb?.close());

let n = 0;
function spec(overrides: Partial<TenantSpec> = {}): TenantSpec {
  const slug = `acme-${++n}`;
  const result = validateTenantSpec({
    displayName: `Acme ${n}`,
    plan: 'team',
    seats: 5,
    cloud: { provider: 'azure', region: 'westeurope' },
    hostname: `${slug}.localtest.me`,
    ...overrides,
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.value;
}
const newTenant = (state?: TenantState) =>
  db.tenants.create({
    slug: `t-${++n}`,
    spec: spec(),
    adminEmail: `Admin${n}@Example.com`,
    correlationId: `c-${n}`,
    billingMode: 'stripe',
    state,
  });

describe('migrations', () => {
  it('are idempotent: opening the same schema again applies nothing and keeps data', async () => {
    const tenant = await newTenant();
    const { openDatabase } = await import('../src/index.js');
    const again = await openDatabase({ url: testDb.url, schema: testDb.schema });
    expect((await again.tenants.findById(tenant.id))?.slug).toBe(tenant.slug);
    await again.close();
  });
});

describe('TenantRepository', () => {
  it('creates, finds and hashes the admin e-mail', async () => {
    const t = await newTenant();
    expect(t.state).toBe('pending_verification');
    expect(t.adminEmailHash).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(await db.tenants.findBySlug(t.slug)).toEqual(t);
    expect((await db.tenants.findByAdminEmail(t.adminEmail!.toUpperCase())).map((x) => x.id)).toContain(t.id);
    expect(await db.tenants.findById('not-a-uuid')).toBeUndefined();
    await expect(db.tenants.getById('00000000-0000-4000-8000-000000000000')).rejects.toBeInstanceOf(
      TenantNotFoundError,
    );
  });

  it('refuses a taken slug with SlugTakenError, also under a race', async () => {
    const slug = `race-${++n}`;
    const attempts = await Promise.allSettled(
      [1, 2, 3, 4].map((i) =>
        db.tenants.create({
          slug,
          spec: spec(),
          adminEmail: `r${i}@example.com`,
          correlationId: 'c',
          billingMode: 'trial',
        }),
      ),
    );
    expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    for (const a of attempts.filter((x) => x.status === 'rejected'))
      expect((a as PromiseRejectedResult).reason).toBeInstanceOf(SlugTakenError);
    expect(await db.tenants.isSlugTaken(slug)).toBe(true);
  });

  it('updates the spec with a new version and lists with keyset pagination', async () => {
    const t = await newTenant();
    const updated = await db.tenants.updateSpec(t.id, { ...t.spec, seats: 9 });
    expect(updated.specVersion).toBe(t.specVersion + 1);
    expect(updated.spec.seats).toBe(9);
    const seen = new Set<string>();
    let cursor: string | null = null;
    do {
      const page = await db.tenants.list({ limit: 2, cursor });
      page.items.forEach((x) => seen.add(x.id));
      cursor = page.nextCursor;
    } while (cursor);
    const counts = await db.tenants.countByState();
    expect(seen.size).toBe(Object.values(counts).reduce((a, b) => a + (b ?? 0), 0));
    expect((await db.tenants.list({ search: t.displayName })).items.map((x) => x.id)).toContain(t.id);
  });
});

describe('TenantRepository: expired sign-ups', () => {
  const expire = async (id: string) => {
    await db.lifecycle.transition(id, 'signup_expired', { actor: { kind: 'system', reason: 'test' } });
    return db.tenants.releaseExpiredSignup(id, new Date());
  };
  const withSlug = (slug: string, state?: TenantState) =>
    db.tenants.create({
      slug,
      spec: spec(),
      adminEmail: `${slug}@example.com`,
      correlationId: 'c',
      billingMode: 'stripe',
      state,
    });

  it('erases the e-mail (hash kept) and lets a new tenant take the released slug', async () => {
    const slug = `gone-${++n}`;
    const old = await withSlug(slug);
    const released = await expire(old.id);
    expect(released).toMatchObject({
      state: 'deleted',
      adminEmail: null,
      adminEmailHash: old.adminEmailHash,
    });
    expect(released.slugReleasedAt).toBeInstanceOf(Date);
    expect(await db.tenants.isSlugTaken(slug)).toBe(false);
    // Support still finds the expired one by name while no one holds the slug.
    expect((await db.tenants.findBySlug(slug))?.id).toBe(old.id);

    const fresh = await withSlug(slug);
    expect(await db.tenants.isSlugTaken(slug)).toBe(true);
    expect((await db.tenants.findBySlug(slug))?.id).toBe(fresh.id);
    // The partial unique index still refuses a second live tenant with that slug.
    await expect(withSlug(slug)).rejects.toBeInstanceOf(SlugTakenError);
  });

  it('keeps the slugs of deleted (offboarded) tenants reserved', async () => {
    const slug = `offboarded-${++n}`;
    await withSlug(slug, 'deleted');
    expect(await db.tenants.isSlugTaken(slug)).toBe(true);
    await expect(withSlug(slug)).rejects.toBeInstanceOf(SlugTakenError);
  });

  it('releases nothing of a tenant that is not deleted, and the schema refuses it too', async () => {
    const live = await newTenant('pending_payment');
    await expect(db.tenants.releaseExpiredSignup(live.id, new Date())).rejects.toBeInstanceOf(
      TenantNotFoundError,
    );
    expect(await db.tenants.getById(live.id)).toMatchObject({
      adminEmail: live.adminEmail,
      slugReleasedAt: null,
    });
    // CHECK constraints: only a deleted tenant may lack an e-mail or give back its slug.
    const client = new pg.Client({
      connectionString: testDb.url,
      options: `-c search_path=${testDb.schema}`,
    });
    await client.connect();
    try {
      await expect(
        client.query('update tenants set admin_email = null where id = $1', [live.id]),
      ).rejects.toThrow(/tenants_admin_email_check/);
      await expect(
        client.query('update tenants set slug_released_at = now() where id = $1', [live.id]),
      ).rejects.toThrow(/tenants_slug_released_check/);
    } finally {
      await client.end();
    }
  });

  it('lists sign-ups unchanged since the cutoff, oldest first, without paying ones or excluded ids', async () => {
    const unverified = await newTenant('pending_verification');
    const unpaid = await newTenant('pending_payment');
    const subscribed = await newTenant('pending_payment');
    await db.tenants.update(subscribed.id, { stripeSubscriptionId: `sub_${n}` });
    const live = await newTenant('active');
    const mine = new Set([unverified.id, unpaid.id, subscribed.id, live.id]);
    const listed = async (cutoff: Date, excludeIds?: string[]) =>
      (await db.tenants.listExpiredSignups(cutoff, { limit: 500, excludeIds }))
        .map((t) => t.id)
        .filter((id) => mine.has(id));

    expect(await listed(new Date(Date.now() + 60_000))).toEqual([unverified.id, unpaid.id]);
    expect(await listed(new Date(unverified.updatedAt.getTime() - 1))).toEqual([]);
    expect(await listed(new Date(Date.now() + 60_000), [unverified.id])).toEqual([unpaid.id]);
  });
});

describe('LifecycleRepository', () => {
  it('transitions with an event row in the same transaction', async () => {
    const t = await newTenant();
    const result = await db.lifecycle.transition(t.id, 'email_verified', {
      actor: { kind: 'customer', emailHash: t.adminEmailHash },
    });
    expect(result).toMatchObject({ from: 'pending_verification', to: 'pending_payment' });
    expect(result.tenant.state).toBe('pending_payment');
    const history = await db.lifecycle.history(t.id);
    expect(history.map((e) => [e.event, e.from, e.to])).toEqual([
      ['email_verified', 'pending_verification', 'pending_payment'],
    ]);
  });

  it('refuses an illegal transition and writes nothing', async () => {
    const t = await newTenant();
    await expect(
      db.lifecycle.transition(t.id, 'provisioning_succeeded', { actor: { kind: 'system', reason: 'x' } }),
    ).rejects.toBeInstanceOf(IllegalTransitionError);
    expect((await db.tenants.getById(t.id)).state).toBe('pending_verification');
    expect(await db.lifecycle.history(t.id)).toEqual([]);
  });

  it('rolls the state back when the surrounding transaction fails', async () => {
    const t = await newTenant();
    await expect(
      db.transaction(async (tx) => {
        await tx.lifecycle.transition(t.id, 'email_verified', { actor: { kind: 'system', reason: 'x' } });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect((await db.tenants.getById(t.id)).state).toBe('pending_verification');
    expect(await db.lifecycle.history(t.id)).toEqual([]);
  });

  it('serialises concurrent transitions: one wins, the others are illegal', async () => {
    const t = await newTenant('pending_payment');
    const results = await Promise.allSettled(
      [1, 2, 3, 4, 5].map(() =>
        db.lifecycle.transition(t.id, 'checkout_completed', { actor: { kind: 'stripe', eventId: 'evt' } }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await db.lifecycle.history(t.id)).toHaveLength(1);
  });
});

describe('ProvisioningRunRepository', () => {
  it('creates a run once per idempotency key with pending steps of its goal', async () => {
    const t = await newTenant('provisioning');
    const results = await Promise.all(
      [1, 2, 3].map(() =>
        db.runs.createOnce({
          tenantId: t.id,
          goal: 'provision',
          correlationId: 'c',
          idempotencyKey: 'provision',
        }),
      ),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.run.id)).size).toBe(1);
    const run = await db.runs.getWithSteps(results[0]!.run.id);
    expect(run).toMatchObject({
      tenantId: t.id,
      goal: 'provision',
      status: 'queued',
      specVersion: 1,
      enqueuedAt: null,
    });
    expect(run.steps.map((s) => [s.step, s.status])).toEqual([
      ['synthesize-infrastructure', 'pending'],
      ['apply-infrastructure', 'pending'],
      ['render-tenant', 'pending'],
      ['apply-tenant', 'pending'],
      ['await-ready', 'pending'],
      ['notify', 'pending'],
    ]);
    expect(await db.runs.countByTenant(t.id, 'provision')).toBe(1);
  });

  it('records step attempts, durations, errors and outputs', async () => {
    const t = await newTenant('provisioning');
    const { run } = await db.runs.createOnce({
      tenantId: t.id,
      goal: 'resume',
      correlationId: 'c',
      idempotencyKey: 'k',
    });
    expect((await db.runs.listUnenqueued(new Date(Date.now() + 1000))).map((r) => r.id)).toContain(run.id);
    await db.runs.markEnqueued(run.id);
    expect((await db.runs.listUnenqueued(new Date(Date.now() + 1000))).map((r) => r.id)).not.toContain(
      run.id,
    );
    const started = await db.runs.markStarted(run.id);
    expect(started.status).toBe('running');
    const t0 = new Date();
    await db.runs.startStep(run.id, 'render-tenant', t0);
    const failed = await db.runs.failStep(
      run.id,
      'render-tenant',
      'timeout',
      { final: false },
      new Date(t0.getTime() + 250),
    );
    expect(failed).toMatchObject({ status: 'retrying', attempts: 1, durationMs: 250, error: 'timeout' });
    await db.runs.startStep(run.id, 'render-tenant', new Date(t0.getTime() + 1000));
    const done = await db.runs.completeStep(
      run.id,
      'render-tenant',
      { files: 3 },
      new Date(t0.getTime() + 1100),
    );
    expect(done).toMatchObject({
      status: 'succeeded',
      attempts: 2,
      durationMs: 100,
      error: null,
      output: { files: 3 },
    });
    await db.runs.skipStep(run.id, 'apply-tenant', 'no cluster configured');
    const finished = await db.runs.finish(run.id, 'failed', 'await-ready: timed out');
    expect(finished).toMatchObject({ status: 'failed', error: 'await-ready: timed out' });
    expect(finished.finishedAt).toBeInstanceOf(Date);
    // A late or redelivered job starting a step does not revive the ended run.
    expect((await db.runs.markStarted(run.id)).status).toBe('failed');
    expect((await db.runs.findById(run.id))?.status).toBe('failed');
    await db.runs.resetStepsFrom(run.id, 'apply-tenant');
    await db.runs.reopen(run.id);
    const latest = await db.runs.latestForTenant(t.id);
    expect(latest?.status).toBe('queued');
    expect(latest?.steps.map((s) => s.status)).toEqual(['succeeded', 'pending', 'pending']);
  });
});

describe('StripeEventRepository', () => {
  it('stores an event once and counts deliveries', async () => {
    const e = {
      id: `evt_${++n}`,
      type: 'invoice.paid',
      created: 1_700_000_000,
      livemode: false,
      payload: { id: `evt_${n}`, data: { object: {} } },
    };
    const first = await db.stripeEvents.recordReceived(e);
    const second = await db.stripeEvents.recordReceived(e);
    expect(first.firstDelivery).toBe(true);
    expect(second.firstDelivery).toBe(false);
    expect(second.record.deliveries).toBe(2);
    expect(second.record.createdAt.toISOString()).toBe('2023-11-14T22:13:20.000Z');
    await db.stripeEvents.markProcessed(e.id, { outcome: 'ignored' });
    expect((await db.stripeEvents.findById(e.id))?.outcome).toBe('ignored');
  });

  it('stores a payload with NUL bytes (jsonb refuses U+0000) with U+FFFD instead, and errors likewise', async () => {
    // Found by the HTTP fuzz suite: validly signed events with "\u0000" in a string or key were 500s.
    const e = {
      id: `evt_${++n}`,
      type: 'invoice.paid',
      created: 1_700_000_000,
      livemode: false,
      payload: {
        id: `evt_${n}`,
        request: { idempotency_key: { $where: 'a\u0000b' } },
        data: { object: { 'k\u0000': ['\u0000'] } },
      },
    };
    const { record } = await db.stripeEvents.recordReceived(e);
    expect(record.payload).toEqual({
      id: `evt_${n}`,
      request: { idempotency_key: { $where: 'a\uFFFDb' } },
      data: { object: { 'k\uFFFD': ['\uFFFD'] } },
    });
    await db.stripeEvents.markFailed(e.id, 'boom \u0000 here');
    expect((await db.stripeEvents.findById(e.id))?.error).toBe('boom \uFFFD here');
  });
});

describe('EmailTokenRepository', () => {
  it('consumes a token once and says why later attempts fail', async () => {
    const t = await newTenant();
    const now = new Date();
    await db.emailTokens.create({
      tenantId: t.id,
      tokenHash: `h${++n}`,
      purpose: 'verify-email',
      expiresAt: new Date(now.getTime() + 60_000),
    });
    const results = await Promise.all(
      [1, 2, 3].map(() => db.emailTokens.consume(`h${n}`, 'verify-email', now)),
    );
    expect(results.filter((r) => r.status === 'ok')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'used')).toHaveLength(2);
    expect((await db.emailTokens.consume('nope', 'verify-email')).status).toBe('unknown');
    await db.emailTokens.create({
      tenantId: t.id,
      tokenHash: `h${++n}`,
      purpose: 'verify-email',
      expiresAt: new Date(now.getTime() + 60_000),
    });
    expect(
      (await db.emailTokens.consume(`h${n}`, 'verify-email', new Date(now.getTime() + 61_000))).status,
    ).toBe('expired');
    expect(await db.emailTokens.revokeOpen(t.id, 'verify-email')).toBe(1);
    expect((await db.emailTokens.consume(`h${n}`, 'verify-email', now)).status).toBe('revoked');
  });

  it("revokes a tenant's open tokens of every purpose at once", async () => {
    const t = await newTenant();
    const expiresAt = new Date(Date.now() + 60_000);
    for (const purpose of ['verify-email', 'sign-in', 'sign-in'] as const)
      await db.emailTokens.create({ tenantId: t.id, tokenHash: `h${++n}`, purpose, expiresAt });
    expect(await db.transaction((tx) => tx.emailTokens.lockOpen(t.id))).toBe(3);
    expect(await db.emailTokens.revokeOpen(t.id, 'any')).toBe(3);
    expect((await db.emailTokens.listForTenant(t.id)).every((token) => token.revokedAt)).toBe(true);
  });
});

describe('AuditRepository', () => {
  it('records and lists newest first', async () => {
    const t = await newTenant();
    await db.audit.record({
      actor: { kind: 'system', reason: 'test' },
      action: 'tenant.a',
      tenantId: t.id,
      outcome: 'ok',
    });
    await db.audit.record({
      actor: { kind: 'anonymous' },
      action: 'tenant.b',
      tenantId: t.id,
      outcome: 'denied',
      details: { why: 'x' },
    });
    const entries = await db.audit.list({ tenantId: t.id });
    expect(entries.map((e) => e.action)).toEqual(['tenant.b', 'tenant.a']);
    expect(await db.audit.list({ tenantId: t.id, beforeId: entries[0]!.id })).toHaveLength(1);
  });

  it('records what a refused request carried even when PostgreSQL could not store it as is (NUL bytes)', async () => {
    const t = await newTenant();
    await db.audit.record({
      actor: { kind: 'anonymous' },
      action: 'tenant.\u0000x',
      tenantId: t.id,
      target: `a\u0000b${'z'.repeat(500)}`,
      outcome: 'rejected',
      details: { 'k\u0000': ['v\u0000', { deep: '\u0000' }] },
    });
    const [entry] = await db.audit.list({ tenantId: t.id });
    expect(entry).toMatchObject({
      action: 'tenant.\uFFFDx',
      outcome: 'rejected',
      details: { 'k\uFFFD': ['v\uFFFD', { deep: '\uFFFD' }] },
    });
    expect(entry!.target).toHaveLength(200);
    expect(entry!.target!.startsWith('a\uFFFDb')).toBe(true);
  });
});
