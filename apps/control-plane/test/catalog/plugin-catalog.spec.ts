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
