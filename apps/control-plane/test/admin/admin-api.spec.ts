// The admin API doing its job (billing off): search with filters and stable cursor pages, the
// tenant's whole story, suspend/resume/re-sync/plan change/offboard through the state machine,
// retry from the failed step and dry run through the provisioning pipeline, and the audit log
// queried by actor, action, target, outcome and time. Every response is checked against the
// schema the OpenAPI document is generated from.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { TenantRecord } from '@cw/db';
import { auditActor, principalToSession, type Principal } from '@cw/identity';
import {
  actionResultSchema,
  auditPageSchema,
  dryRunResultSchema,
  planChangeResultSchema,
  retryResultSchema,
  tenantDetailSchema,
  tenantPageSchema,
  type TenantSummary,
} from '@cw/control-plane';
import { startAdminHarness, type AdminHarness, type Reply } from './support/admin-harness.js';

let h: AdminHarness;
let manager: string;
let viewer: string;
const seeded: TenantRecord[] = [];

beforeAll(async () => {
  h = await startAdminHarness('adminapi');
  manager = await h.token(['manager']);
  viewer = await h.token(['viewer']);
  const kinds = [
    { state: 'active', spec: { plan: 'team', cloud: { provider: 'aws', region: 'eu-west-1' } } },
    {
      state: 'suspended',
      spec: { plan: 'starter', seats: 3, cloud: { provider: 'azure', region: 'westeurope' } },
    },
    {
      state: 'failed',
      spec: { plan: 'enterprise', seats: 25, cloud: { provider: 'gcp', region: 'europe-west1' } },
    },
    { state: 'provisioning', spec: { plan: 'team', cloud: { provider: 'local', region: 'local' } } },
  ] as const;
  // Sequential: distinct createdAt values (plus ties within a millisecond, which the id breaks).
  for (let i = 0; i < 24; i++) {
    const kind = kinds[i % kinds.length]!;
    seeded.push(
      await h.seedTenant({
        slug: `acme-${String(i).padStart(2, '0')}`,
        state: kind.state,
        spec: { ...kind.spec, displayName: i === 7 ? 'Umbrella Research' : `Acme ${i}` },
      }),
    );
  }
}, 60_000);
afterAll(async () => h?.close());

const get = (path: string, token = viewer) => h.call('GET', path, { token });
const post = (path: string, body: unknown = {}, token = manager) => h.call('POST', path, { token, body });
function ok<S extends z.ZodType>(reply: Reply, schema: S, status = 200): z.output<S> {
  expect(reply.status, reply.text).toBe(status);
  return schema.parse(reply.json());
}
const slugs = (items: TenantSummary[]) => items.map((t) => t.slug);

describe('list and search', () => {
  it('pages through every tenant newest first, by (createdAt, id), without duplicates or gaps', async () => {
    const seen: TenantSummary[] = [];
    let cursor: string | null = null;
    do {
      const page: z.output<typeof tenantPageSchema> = ok(
        await get(`/admin/v1/tenants?q=acme-&limit=5${cursor ? `&cursor=${cursor}` : ''}`),
        tenantPageSchema,
      );
      expect(page.items.length).toBeLessThanOrEqual(5);
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(24);
    expect(new Set(slugs(seen)).size).toBe(24);
    const order = [...seen].sort(
      (a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id),
    );
    expect(slugs(seen)).toEqual(slugs(order));
  });

  it('filters by state, plan, cloud and created range, combined', async () => {
    const suspended = ok(await get('/admin/v1/tenants?state=suspended&limit=200'), tenantPageSchema).items;
    expect(suspended.length).toBeGreaterThanOrEqual(6);
    expect(suspended.every((t) => t.state === 'suspended' && t.plan === 'starter')).toBe(true);
    const mixed = ok(
      await get('/admin/v1/tenants?state=active,failed&plan=enterprise&cloud=gcp&limit=200'),
      tenantPageSchema,
    ).items;
    expect(mixed.length).toBeGreaterThanOrEqual(6);
    expect(mixed.every((t) => t.state === 'failed' && t.cloud === 'gcp')).toBe(true);
    const from = seeded[10]!.createdAt.toISOString();
    const to = seeded[14]!.createdAt.toISOString();
    const ranged = ok(
      await get(`/admin/v1/tenants?q=acme-&createdFrom=${from}&createdTo=${to}&limit=200`),
      tenantPageSchema,
    ).items;
    expect(slugs(ranged).sort()).toEqual(['acme-10', 'acme-11', 'acme-12', 'acme-13']);
  });

  it('finds by text (name, slug), by id, and by the exact admin e-mail without storing it anywhere new', async () => {
    expect(slugs(ok(await get('/admin/v1/tenants?q=umbrella'), tenantPageSchema).items)).toEqual(['acme-07']);
    expect(slugs(ok(await get(`/admin/v1/tenants?q=${seeded[3]!.id}`), tenantPageSchema).items)).toEqual([
      'acme-03',
    ]);
    const email = encodeURIComponent('OWNER+acme-05@customer.example');
    expect(slugs(ok(await get(`/admin/v1/tenants?q=${email}`), tenantPageSchema).items)).toEqual(['acme-05']);
  });

  it('refuses bad filters and cursors by field', async () => {
    const bad = await get('/admin/v1/tenants?state=sleeping&limit=500&createdFrom=yesterday');
    expect(bad.status).toBe(400);
    const fields = bad
      .json<{ error: { fields: { path: string }[] } }>()
      .error.fields.map((f) => f.path)
      .sort();
    expect(fields).toEqual(['createdFrom', 'limit', 'state']);
    // A form with blank filters (the docs page's "Try it") means no filter.
    expect((await get('/admin/v1/tenants?state=&plan=&q=&createdFrom=&limit=&cursor=')).status).toBe(200);
    const cursor = await get('/admin/v1/tenants?cursor=bm90LWEtY3Vyc29y');
    expect(cursor.status).toBe(400);
    expect(cursor.json()).toMatchObject({ error: { fields: [{ path: 'cursor' }] } });
  });
});

describe('tenant detail', () => {
  it('shows spec, state, lifecycle, runs with steps, billing and the cluster (render-only: null with a reason), by id or slug', async () => {
    const tenant = seeded[0]!;
    await post(`/admin/v1/tenants/${tenant.slug}/resync`);
    const bySlug = ok(await get(`/admin/v1/tenants/${tenant.slug}`), tenantDetailSchema);
    const byId = ok(await get(`/admin/v1/tenants/${tenant.id}`), tenantDetailSchema);
    expect(byId.tenant.id).toBe(bySlug.tenant.id);
    expect(bySlug.tenant).toMatchObject({
      slug: tenant.slug,
      state: 'active',
      plan: 'team',
      specVersion: 1,
      adminEmailHint: 'o***@customer.example',
    });
    expect(bySlug.tenant.spec).toMatchObject({ hostname: `${tenant.slug}.localtest.me` });
    expect(bySlug.runs[0]).toMatchObject({
      goal: 'resync',
      status: 'queued',
      steps: [
        { step: 'render-tenant', status: 'pending' },
        { step: 'apply-tenant', status: 'pending' },
      ],
    });
    expect(bySlug.billing).toMatchObject({ mode: 'trial', enabled: false, subscription: { source: 'none' } });
    expect(bySlug.cluster).toEqual({ status: null, reason: expect.stringContaining('render-only') });
    expect(JSON.stringify(bySlug)).not.toContain(tenant.adminEmail);
    expect((await get('/admin/v1/tenants/nobody-here')).status).toBe(404);
    // Not a slug nor an id (a NUL byte, found by the HTTP fuzz suite: PostgreSQL refuses it): 404, not 500.
    expect((await get('/admin/v1/tenants/a%00b')).status).toBe(404);
    expect((await post('/admin/v1/tenants/a%00b/suspend', { reason: 'x' })).status).toBe(404);
  });
});

describe('tenant lookup after a sign-up expired', () => {
  it('finds the live tenant by a slug an expired sign-up gave back, and the expired one by id', async () => {
    const slug = 'second-chance';
    const expired = await h.seedTenant({ slug, state: 'pending_verification', billingMode: 'stripe' });
    await h.ctx.db.transaction(async (tx) => {
      await tx.lifecycle.transition(expired.id, 'signup_expired', {
        actor: { kind: 'system', reason: 'test' },
      });
      await tx.tenants.releaseExpiredSignup(expired.id, new Date());
    });
    // While no one holds the slug, it still leads to the expired sign-up.
    expect(ok(await get(`/admin/v1/tenants/${slug}`), tenantDetailSchema).tenant).toMatchObject({
      id: expired.id,
      state: 'deleted',
      adminEmailHint: null,
      adminEmailHash: expired.adminEmailHash,
    });
    const live = await h.seedTenant({ slug });
    expect(ok(await get(`/admin/v1/tenants/${slug}`), tenantDetailSchema).tenant).toMatchObject({
      id: live.id,
      state: 'active',
      adminEmailHint: 'o***@customer.example',
    });
    const old = ok(await get(`/admin/v1/tenants/${expired.id}`), tenantDetailSchema);
    expect(old.tenant).toMatchObject({ slug, state: 'deleted', adminEmailHint: null });
    expect(old.lifecycle.map((e) => e.event)).toEqual(['signup_expired']);
  });
});

describe('state changes', () => {
  it('suspends and resumes through the state machine, each with its run, event and audit row', async () => {
    const tenant = seeded[4]!;
    const suspended = ok(
      await post(`/admin/v1/tenants/${tenant.slug}/suspend`, { reason: 'abuse report #12' }),
      actionResultSchema,
    );
    expect(suspended).toMatchObject({ state: 'suspended', run: { goal: 'suspend' } });
    expect((await post(`/admin/v1/tenants/${tenant.slug}/suspend`)).status).toBe(409);
    const resumed = ok(await post(`/admin/v1/tenants/${tenant.id}/resume`), actionResultSchema);
    expect(resumed).toMatchObject({ state: 'active', run: { goal: 'resume' } });
    const after = await h.ctx.db.tenants.getById(tenant.id);
    expect({
      suspended: after.spec.suspended,
      reason: after.suspensionReason,
      version: after.specVersion,
    }).toEqual({ suspended: false, reason: null, version: 3 });
    const history = await h.ctx.db.lifecycle.history(tenant.id);
    expect(history.slice(-2)).toMatchObject([
      { event: 'suspend_requested', to: 'suspended', cause: 'abuse report #12', actor: { kind: 'admin' } },
      { event: 'resume_requested', to: 'active', actor: { kind: 'admin' } },
    ]);
    const rows = (await h.audit()).filter((r) => r.tenantId === tenant.id || r.target === tenant.slug);
    expect(rows.map((r) => `${r.action}:${r.outcome}`)).toEqual([
      'resumeTenant:ok',
      'suspendTenant:rejected',
      'suspendTenant:ok',
    ]);
    expect(await h.queue.getJobCounts('waiting')).toMatchObject({ waiting: expect.any(Number) });
  });

  it('changes plan and seats directly when billing is off (update run), refusing seats outside the plan', async () => {
    const tenant = seeded[8]!;
    const tooMany = await post(`/admin/v1/tenants/${tenant.slug}/plan`, { seats: 500 });
    expect(tooMany.status).toBe(400);
    expect(tooMany.json()).toMatchObject({
      error: { fields: [{ path: 'seats', message: expect.stringContaining('outside the team plan') }] },
    });
    const changed = ok(
      await post(`/admin/v1/tenants/${tenant.slug}/plan`, { plan: 'enterprise', seats: 40 }),
      planChangeResultSchema,
    );
    expect(changed).toMatchObject({ via: 'direct', plan: 'enterprise', seats: 40, run: { goal: 'update' } });
    const stored = await h.ctx.db.tenants.getById(tenant.id);
    expect(stored.spec).toMatchObject({ plan: 'enterprise', seats: 40, isolation: 'shared' });
    expect((await h.ctx.db.lifecycle.history(tenant.id)).at(-1)).toMatchObject({
      event: 'plan_changed',
      details: { from: { plan: 'team', seats: 5 }, to: { plan: 'enterprise', seats: 40 } },
    });
  });

  it('re-syncs active or suspended tenants only', async () => {
    expect(ok(await post(`/admin/v1/tenants/${seeded[12]!.slug}/resync`), actionResultSchema)).toMatchObject({
      run: { goal: 'resync' },
    });
    expect((await post(`/admin/v1/tenants/${seeded[15]!.slug}/resync`)).status).toBe(409); // provisioning
  });

  it('offboards only with the slug typed as confirmation; a mismatch is refused and audited as denied', async () => {
    const tenant = seeded[16]!;
    const wrong = await post(`/admin/v1/tenants/${tenant.id}/offboard`, { confirm: seeded[17]!.slug });
    expect(wrong.status).toBe(400);
    expect(wrong.json()).toMatchObject({
      error: { code: 'confirmation_mismatch', fields: [{ path: 'confirm' }] },
    });
    expect((await h.ctx.db.tenants.getById(tenant.id)).state).toBe('active');
    expect((await post(`/admin/v1/tenants/${tenant.id}/offboard`, {})).status).toBe(400);
    const done = ok(
      await post(`/admin/v1/tenants/${tenant.id}/offboard`, {
        confirm: tenant.slug,
        reason: 'customer asked',
      }),
      actionResultSchema,
    );
    expect(done).toMatchObject({ state: 'offboarding', run: { goal: 'offboard' } });
    const rows = (await h.audit()).filter((r) => r.action === 'offboardTenant' && r.target === tenant.id);
    expect(rows.map((r) => r.outcome)).toEqual(['ok', 'rejected', 'denied']);
    expect(rows[2]!.details).toMatchObject({ status: 400, code: 'confirmation_mismatch' });
  });
});

describe('provisioning pipeline', () => {
  it('retries a failed tenant from its failed step', async () => {
    const tenant = seeded[2]!; // failed
    const { run } = await h.ctx.db.runs.createOnce({
      tenantId: tenant.id,
      goal: 'provision',
      correlationId: 'c-retry',
      idempotencyKey: 'provision',
    });
    await h.ctx.db.runs.startStep(run.id, 'synthesize-infrastructure');
    await h.ctx.db.runs.completeStep(run.id, 'synthesize-infrastructure');
    await h.ctx.db.runs.startStep(run.id, 'apply-infrastructure');
    await h.ctx.db.runs.failStep(run.id, 'apply-infrastructure', 'quota exceeded in eu-west-1', {
      final: true,
    });
    await h.ctx.db.runs.finish(run.id, 'failed', 'apply-infrastructure failed');
    const retried = ok(await post(`/admin/v1/tenants/${tenant.slug}/retry`), retryResultSchema);
    expect(retried).toMatchObject({
      tenantId: tenant.id,
      runId: run.id,
      step: 'apply-infrastructure',
      goal: 'provision',
    });
    expect((await h.ctx.db.tenants.getById(tenant.id)).state).toBe('provisioning');
    expect(await h.queue.getJob(retried.jobId)).toMatchObject({ name: 'apply-infrastructure' });
    const again = await post(`/admin/v1/tenants/${tenant.slug}/retry`);
    expect(again.status).toBe(409);
    expect(again.json()).toMatchObject({ error: { code: 'nothing_to_retry' } });
  });

  it('previews what re-applying would change, writing nothing', async () => {
    const tenant = seeded[3]!; // local cloud: no cloud stack to synthesize
    const preview = ok(await get(`/admin/v1/tenants/${tenant.slug}/dry-run`), dryRunResultSchema);
    expect(preview.kubernetes.added).toContain(`platform.contextweaver.io/v1alpha1/Tenant/${tenant.slug}`);
    expect(preview.infra).toEqual({ added: [], removed: [], changed: [], fields: {} });
    expect(preview.lastApplied).toEqual({});
  });
});

describe('audit log', () => {
  it('answers by actor, action, target, outcome and time, in cursor pages', async () => {
    const principal: Principal = {
      subject: h.op.account.sub,
      email: h.op.account.email,
      issuer: h.op.issuer,
      tenantId: null,
      displayName: null,
      roles: [],
      groups: [],
      expiresAt: new Date(),
    };
    const me = auditActor(principal);
    expect(auditActor(principalToSession(principal))).toBe(me); // bearer and browser session: one pseudonym
    const mine = ok(await get(`/admin/v1/audit?actor=${me}&limit=200`), auditPageSchema).items;
    expect(mine.length).toBeGreaterThanOrEqual(8);
    expect(mine.every((r) => (r.actor as { subjectHash?: string }).subjectHash === me)).toBe(true);
    const denied = ok(
      await get('/admin/v1/audit?action=offboardTenant&outcome=denied'),
      auditPageSchema,
    ).items;
    expect(denied).toHaveLength(1);
    const target = ok(await get(`/admin/v1/audit?target=${seeded[4]!.id}`), auditPageSchema).items;
    expect(target.map((r) => r.action)).toEqual(['resumeTenant', 'suspendTenant', 'suspendTenant']);
    const future = ok(
      await get(`/admin/v1/audit?from=${new Date(Date.now() + 60_000).toISOString()}`),
      auditPageSchema,
    ).items;
    expect(future).toEqual([]);

    const all: number[] = [];
    let cursor: string | null = null;
    do {
      const page: z.output<typeof auditPageSchema> = ok(
        await get(`/admin/v1/audit?actor=${me}&limit=3${cursor ? `&cursor=${cursor}` : ''}`),
        auditPageSchema,
      );
      all.push(...page.items.map((r) => r.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(all).toEqual(mine.map((r) => r.id));
    expect((await get('/admin/v1/audit?actor=ada@example.com')).status).toBe(400);
  });
});
