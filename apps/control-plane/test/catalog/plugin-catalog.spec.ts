// The Connector Marketplace: the catalog comes from the plugin packages' manifests (admin API and
// customer JSON), a tenant admin previews a choice of plugins (nothing changes), applies exactly
// that preview (new spec version + update run), and is refused with a 4xx naming the field for an
// unknown plugin, too many plugins for the plan, too many engines, or a stale confirmation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CSRF_COOKIE,
  SESSION_COOKIE,
  csrfTokenFor,
  encodeSession,
  magicLinkSession,
  newCsrfNonce,
} from '@cw/control-plane';
import type { TenantRecord } from '@cw/db';
import { manifest as emailManifest } from '@cw/plugin-email';
import { REGIONS } from '@cw/tenant-model';
import { startAdminHarness, type AdminHarness } from '../admin/support/admin-harness.js';

let h: AdminHarness;
beforeAll(async () => {
  h = await startAdminHarness('catalog');
}, 60_000);
afterAll(async () => h?.close());

function customer(t: TenantRecord) {
  const nonce = newCsrfNonce();
  const cookie = [
    `${SESSION_COOKIE}=${encodeSession(h.ctx.keys, magicLinkSession(t.adminEmail!, [t.id]), 3_600_000)}`,
    `${CSRF_COOKIE}=${nonce}`,
  ].join('; ');
  const headers = { cookie, 'x-csrf-token': csrfTokenFor(h.ctx.keys, nonce) };
  return {
    choose: (body: unknown) => h.call('POST', '/api/plugins', { body, headers }),
    page: async () =>
      (await fetch(`${h.url}/status/plugins`, { headers: { cookie, accept: 'text/html' } })).text(),
  };
}

interface Choice {
  applied: boolean;
  confirm: string | null;
  specVersion: number;
  diff: { name: string; change: string; added: string[]; removed: string[]; rollout: string | null }[];
  credentials: { engine: string; plugin: string; credentials: { name: string }[] }[];
  credentialsUrl: string;
  run: { goal: string } | null;
}

describe('catalog', () => {
  it('lists the plugins from their own manifests in the admin API and the customer JSON', async () => {
    const viewer = await h.token(['viewer']);
    const admin = await h.call('GET', '/admin/v1/catalog', { token: viewer });
    expect(admin.status).toBe(200);
    const view = admin.json<{
      plugins: {
        id: string;
        tools: { name: string; classification: string }[];
        credentials: { name: string }[];
      }[];
      limits: { pluginsPerEngine: Record<string, number> };
    }>();
    expect(view.plugins.map((p) => p.id)).toEqual(
      expect.arrayContaining(['payments', 'email', 'github', 'travel', 'proxy']),
    );
    const email = view.plugins.find((p) => p.id === 'email')!;
    expect(email.tools.map((t) => t.name)).toEqual(emailManifest.tools.map((t) => t.name));
    expect(email.credentials.map((c) => c.name)).toEqual(emailManifest.credentials.map((c) => c.name));
    expect(view.limits.pluginsPerEngine).toEqual({ starter: 2, team: 5, enterprise: 20 });
    expect((await h.call('GET', '/admin/v1/catalog')).status).toBe(401);
    const openapi = await h.call('GET', '/admin/v1/openapi.json', { token: viewer });
    expect(openapi.json<{ paths: Record<string, unknown> }>().paths['/admin/v1/catalog']).toBeDefined();
    const pub = await h.call('GET', '/api/catalog');
    expect(pub.json<{ plugins: unknown[] }>().plugins).toHaveLength(view.plugins.length);
  });
});

describe('choosing plugins', () => {
  it('previews (nothing changes), then applies exactly the preview through an update run', async () => {
    const t = await h.seedTenant({ spec: { engines: [{ name: 'main', plugins: ['email'] }] } });
    const c = customer(t);
    const preview = await c.choose({ engines: [{ name: 'main', plugins: ['email', 'payments'] }] });
    expect(preview.status).toBe(200);
    const p = preview.json<Choice>();
    expect(p.applied).toBe(false);
    expect(p.diff).toEqual([
      expect.objectContaining({ name: 'main', change: 'changed', added: ['payments'], removed: [] }),
    ]);
    expect(p.diff[0]!.rollout).toContain('engine-main');
    expect((await h.ctx.db.tenants.findById(t.id))!.specVersion).toBe(t.specVersion);

    const applied = await c.choose({
      engines: [{ name: 'main', plugins: ['email', 'payments'] }],
      confirm: p.confirm,
    });
    expect(applied.status).toBe(200);
    const a = applied.json<Choice>();
    expect(a.applied).toBe(true);
    expect(a.run?.goal).toBe('update');
    const after = (await h.ctx.db.tenants.findById(t.id))!;
    expect(after.specVersion).toBe(t.specVersion + 1);
    expect(after.spec.engines[0]!.plugins).toEqual(['email', 'payments']);
    expect(a.credentials.map((n) => n.plugin)).toEqual(expect.arrayContaining(['payments']));
    expect(a.credentialsUrl).toBe(`https://${t.spec.hostname}/credentials`);

    // The same token again is stale (the spec version moved on).
    const again = await c.choose({ engines: [{ name: 'main', plugins: ['email'] }], confirm: p.confirm });
    expect(again.status).toBe(409);
    expect(again.text).toContain('confirm');

    const html = await c.page();
    expect(html).toContain(`https://${t.spec.hostname}/credentials`);
    expect(html).toContain('data-plugin="payments"');
  });

  it('refuses an unknown plugin with 400 naming the field, and changes nothing', async () => {
    const t = await h.seedTenant();
    const r = await customer(t).choose({ engines: [{ name: 'main', plugins: ['email', 'jira'] }] });
    expect(r.status).toBe(400);
    expect(r.text).toContain('engines.0.plugins.1');
    expect(r.text).toContain('unknown plugin');
    expect((await h.ctx.db.tenants.findById(t.id))!.spec.engines).toEqual([]);
  });

  it("refuses more plugins than the plan allows per engine, and more engines than the plan's", async () => {
    const starter = await h.seedTenant({ spec: { plan: 'starter', seats: 2 } });
    const tooMany = await customer(starter).choose({
      engines: [{ name: 'main', plugins: ['email', 'github', 'travel'] }],
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.text).toContain('engines.0.plugins');
    expect(tooMany.text).toContain('at most 2 plugins per engine');
    const engines = await customer(starter).choose({
      engines: [
        { name: 'one', plugins: ['email'] },
        { name: 'two', plugins: ['github'] },
      ],
    });
    expect(engines.status).toBe(400);
    expect(
      engines.json<{ fields?: { path: string }[] }>().fields?.map((f) => f.path) ?? engines.text,
    ).toContain('engines');
    expect((await h.ctx.db.tenants.findById(starter.id))!.specVersion).toBe(starter.specVersion);
  });

  it('refuses without a session or without the CSRF token', async () => {
    const t = await h.seedTenant();
    expect(
      (await h.call('POST', '/api/plugins', { body: { engines: [{ name: 'main', plugins: [] }] } })).status,
    ).toBe(403);
    const cookie = `${SESSION_COOKIE}=${encodeSession(h.ctx.keys, magicLinkSession(t.adminEmail!, [t.id]), 3_600_000)}`;
    const noCsrf = await h.call('POST', '/api/plugins', {
      body: { engines: [{ name: 'main', plugins: [] }] },
      headers: { cookie },
    });
    expect(noCsrf.status).toBe(403);
  });
});

describe('engine switches (read-only, maintenance)', () => {
  interface SwitchChoice extends Choice {
    diff: (Choice['diff'][number] & {
      readOnly: boolean;
      maintenance: boolean;
      switches: { switch: string; before: boolean; after: boolean }[];
    })[];
  }

  /** The engine's config.json as the provisioner renders the tenant's desired spec (the code of `cw render`). */
  async function renderedEngineConfig(tenantId: string, engine: string): Promise<unknown> {
    // Loaded like the app loads it (lazily: the pipeline brings CDKTF and Kubernetes libraries).
    const { ChartsTenantRenderer, desiredTenant } = await import('@cw/provisioning');
    const record = (await h.ctx.db.tenants.findById(tenantId))!;
    const tenant = desiredTenant(
      {
        id: record.id,
        slug: record.slug,
        state: record.state,
        spec: record.spec,
        adminEmail: record.adminEmail!,
      },
      { goal: 'update' },
    );
    const configs = (await new ChartsTenantRenderer().render(tenant))
      .filter((o) => o.kind === 'ConfigMap')
      .flatMap((o) => Object.values((o as { data?: Record<string, string> }).data ?? {}))
      .flatMap((text) => {
        try {
          return [JSON.parse(text) as { engine?: string }];
        } catch {
          return [];
        }
      });
    return configs.find((c) => c.engine === engine);
  }

  it('a tenant admin turns an engine read-only: preview, apply, audit row, plugins kept', async () => {
    const t = await h.seedTenant({
      spec: {
        cloud: { provider: 'local', region: REGIONS.local[0]! },
        engines: [{ name: 'main', plugins: ['email', 'github'] }],
      },
    });
    const c = customer(t);
    const preview = await c.choose({ engines: [{ name: 'main', readOnly: true }] });
    expect(preview.status).toBe(200);
    const p = preview.json<SwitchChoice>();
    expect(p.applied).toBe(false);
    expect(p.diff[0]).toMatchObject({
      name: 'main',
      change: 'changed',
      added: [],
      removed: [],
      readOnly: true,
      maintenance: false,
      switches: [{ switch: 'readOnly', before: false, after: true }],
    });
    expect(p.diff[0]!.rollout).toContain('engine-main');
    expect((await h.ctx.db.tenants.findById(t.id))!.spec.engines[0]!.readOnly).toBe(false);

    // A token of this preview does not apply another choice (maintenance as well).
    const other = await c.choose({
      engines: [{ name: 'main', readOnly: true, maintenance: true }],
      confirm: p.confirm,
    });
    expect(other.status).toBe(409);

    const applied = await c.choose({ engines: [{ name: 'main', readOnly: true }], confirm: p.confirm });
    expect(applied.status).toBe(200);
    expect(applied.json<SwitchChoice>().run?.goal).toBe('update');
    const after = (await h.ctx.db.tenants.findById(t.id))!;
    expect(after.spec.engines[0]).toMatchObject({ readOnly: true, maintenance: false });
    expect(after.spec.engines[0]!.plugins).toEqual(['email', 'github']);

    const rows = await h.ctx.db.audit.list({ tenantId: t.id, action: 'tenant.engines.configure', limit: 5 });
    expect(rows).toEqual([
      expect.objectContaining({
        outcome: 'ok',
        actor: expect.objectContaining({ kind: 'customer' }),
        details: { engines: [{ engine: 'main', added: [], removed: [], switches: [{ readOnly: true }] }] },
      }),
    ]);
    expect(JSON.stringify(rows)).not.toContain(t.adminEmail!);
    const events = await h.ctx.db.lifecycle.history(t.id);
    expect(events.at(-1)).toMatchObject({
      event: 'plan_changed',
      details: expect.objectContaining({ switches: [{ engine: 'main', switches: [{ readOnly: true }] }] }),
    });

    // The page shows the switch as it now is.
    const html = await c.page();
    expect(html).toMatch(/name="readOnly" value="on"\s+checked/);

    // What the update run renders from it: the engine's own config file says readOnly, which is
    // what the engine's gate enforces (libs/mcp-gate refuses write/destructive tools).
    expect(await renderedEngineConfig(t.id, 'main')).toMatchObject({
      engine: 'main',
      readOnly: true,
      maintenance: false,
      plugins: ['email', 'github'],
    });
  });

  it('refuses a switch that is not a boolean with 400 naming the field', async () => {
    const t = await h.seedTenant({ spec: { engines: [{ name: 'main', plugins: ['email'] }] } });
    for (const [body, field] of [
      [{ engines: [{ name: 'main', readOnly: 'yes' }] }, 'engines.0.readOnly'],
      [{ engines: [{ name: 'main', maintenance: 1 }] }, 'engines.0.maintenance'],
      [{ engines: [{ name: 'main', auditLog: false }] }, 'engines.0'],
    ] as const) {
      const r = await customer(t).choose(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.text).toContain(field);
    }
    expect((await h.ctx.db.tenants.findById(t.id))!.specVersion).toBe(t.specVersion);
  });

  it('a form post without scripts previews the switch, and its Apply button applies it', async () => {
    const t = await h.seedTenant({ spec: { engines: [{ name: 'main', plugins: ['email'] }] } });
    const nonce = newCsrfNonce();
    const cookie = [
      `${SESSION_COOKIE}=${encodeSession(h.ctx.keys, magicLinkSession(t.adminEmail!, [t.id]), 3_600_000)}`,
      `${CSRF_COOKIE}=${nonce}`,
    ].join('; ');
    const post = (fields: [string, string][]) =>
      fetch(`${h.url}/status/plugins`, {
        method: 'POST',
        headers: { cookie, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams([['_csrf', csrfTokenFor(h.ctx.keys, nonce)], ...fields]).toString(),
      });
    const fields: [string, string][] = [
      ['name', 'main'],
      ['plugins', 'email'],
      ['switches', '1'],
      ['maintenance', 'on'],
    ];
    const preview = await post(fields);
    expect(preview.status).toBe(200);
    const html = await preview.text();
    expect(html).toContain('data-switch="maintenance"');
    expect(html).toContain('maintenance on');
    const token = /name="confirm" value="([^"]+)"/.exec(html)?.[1];
    expect(token).toBeTruthy();
    const applied = await post([...fields, ['confirm', token!]]);
    expect(applied.status).toBe(200);
    expect(await applied.text()).toContain('Engines changed');
    expect((await h.ctx.db.tenants.findById(t.id))!.spec.engines[0]).toMatchObject({
      maintenance: true,
      readOnly: false,
      plugins: ['email'],
    });
  });
});

describe('admin API: configureEngines', () => {
  it('support staff (manager) preview and apply a read-only switch; audited; viewers are refused', async () => {
    const t = await h.seedTenant({ spec: { engines: [{ name: 'main', plugins: ['payments'] }] } });
    const manager = await h.token(['manager']);
    const viewer = await h.token(['viewer']);
    const path = `/admin/v1/tenants/${t.slug}/engines`;
    const body = { engines: [{ name: 'main', readOnly: true }], reason: 'customer ticket 42' };

    expect((await h.call('POST', path, { token: viewer, body })).status).toBe(403);
    const bad = await h.call('POST', path, {
      token: manager,
      body: { engines: [{ name: 'main', readOnly: 'on' }] },
    });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('engines.0.readOnly');

    const preview = await h.call('POST', path, { token: manager, body });
    expect(preview.status).toBe(200);
    const p = preview.json<{ applied: boolean; confirm: string; diff: { switches: unknown[] }[] }>();
    expect(p.applied).toBe(false);
    expect(p.diff[0]!.switches).toEqual([{ switch: 'readOnly', before: false, after: true }]);

    const applied = await h.call('POST', path, { token: manager, body: { ...body, confirm: p.confirm } });
    expect(applied.status).toBe(200);
    expect(applied.json<{ applied: boolean; run: { goal: string } }>()).toMatchObject({
      applied: true,
      run: { goal: 'update' },
    });
    expect((await h.ctx.db.tenants.findById(t.id))!.spec.engines[0]!.readOnly).toBe(true);
    const events = await h.ctx.db.lifecycle.history(t.id);
    expect(events.at(-1)).toMatchObject({
      event: 'plan_changed',
      actor: expect.objectContaining({ kind: 'admin' }),
      cause: expect.stringContaining('customer ticket 42'),
    });

    const audit = await h.call('GET', `/admin/v1/audit?target=${t.slug}&action=configureEngines`, {
      token: viewer,
    });
    const entries = audit.json<{ items: { outcome: string }[] }>().items;
    expect(entries.map((e) => e.outcome).sort()).toEqual(['denied', 'ok', 'ok', 'rejected']);

    const openapi = await h.call('GET', '/admin/v1/openapi.json', { token: viewer });
    const doc = openapi.json<{ paths: Record<string, { post?: { operationId: string } }> }>();
    expect(doc.paths['/admin/v1/tenants/{tenant}/engines']?.post?.operationId).toBe('configureEngines');
  });
});
