// Engine signing-key rotation from the admin API (support staff), on the real control plane with
// PostgreSQL and Redis: rotate lists old + new in the desired spec and starts an update run;
// retire is refused (409, saying from when) until the rotation was rolled out and 660 s have
// passed, then lists the new key only (the update run's last step deletes the old one from the
// vault: libs/provisioning retire-signing-keys.step.spec.ts). Every call audited; bad input 400.
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdminHarness, type AdminHarness } from './support/admin-harness.js';

let h: AdminHarness;
let artifacts: string;
let offsetMs = 0;

beforeAll(async () => {
  artifacts = await mkdtemp(join(tmpdir(), 'cw-signing-keys-'));
  h = await startAdminHarness('signing-keys', {
    adminEnv: { ARTIFACTS_DIR: artifacts },
    clock: () => new Date(Date.now() + offsetMs),
  });
}, 60_000);
afterAll(async () => h?.close());

/** What the tenant's cloud stack reported (the provisioner's bindings.json). */
async function stackVault(slug: string) {
  await mkdir(join(artifacts, slug), { recursive: true });
  await writeFile(
    join(artifacts, slug, 'bindings.json'),
    JSON.stringify({ vault: { kind: 'azure-key-vault', uri: `https://kv-${slug}.vault.azure.net/` } }),
  );
}

interface KeysView {
  keys: string[];
  listed: boolean;
  vault: string | null;
  rotation: { key: string; retiring: string; rolledOutAt: string | null; retireAfter: string | null } | null;
  run: { id: string; goal: string } | null;
  message: string;
}

describe('engine signing keys (admin API)', () => {
  it('rotate → both mounted; retire refused until rolled out and 660 s later; then only the new key', async () => {
    const t = await h.seedTenant();
    await stackVault(t.slug);
    const manager = await h.token(['manager']);
    const viewer = await h.token(['viewer']);
    const base = `/admin/v1/tenants/${t.slug}/signing-keys`;
    // A run that rolled out the spec before the rotation does not count as the rotation's rollout.
    const earlier = await h.ctx.db.runs.createOnce({
      tenantId: t.id,
      goal: 'update',
      correlationId: 'before-rotation',
      idempotencyKey: 'before-rotation',
    });
    await h.ctx.db.runs.finish(earlier.run.id, 'succeeded');

    const before = (await h.call('GET', base, { token: viewer })).json<KeysView>();
    expect(before).toMatchObject({
      keys: ['engine-signing-0001'],
      listed: false,
      vault: 'azure-key-vault',
      rotation: null,
    });

    // Who may, and what is bad input.
    expect((await h.call('POST', `${base}/rotate`, { token: viewer, body: {} })).status).toBe(403);
    const bad = await h.call('POST', `${base}/rotate`, { token: manager, body: { reason: 5 } });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('reason');
    const unknown = await h.call('POST', `${base}/rotate`, {
      token: manager,
      body: { key: 'engine-signing-0009' },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain('key');
    expect((await h.ctx.db.tenants.findById(t.id))!.specVersion).toBe(t.specVersion);

    const rotated = await h.call('POST', `${base}/rotate`, {
      token: manager,
      body: { reason: 'yearly rotation' },
    });
    expect(rotated.status).toBe(200);
    const r = rotated.json<KeysView>();
    expect(r).toMatchObject({
      keys: ['engine-signing-0001', 'engine-signing-0002'],
      listed: true,
      run: { goal: 'update' },
      rotation: { key: 'engine-signing-0002', retiring: 'engine-signing-0001', rolledOutAt: null },
    });
    const spec = (await h.ctx.db.tenants.findById(t.id))!.spec;
    expect(spec.bindings.vault).toEqual({
      kind: 'azure-key-vault',
      uri: `https://kv-${t.slug}.vault.azure.net/`,
      signingKeys: ['engine-signing-0001', 'engine-signing-0002'],
    });
    expect((await h.ctx.db.lifecycle.history(t.id)).at(-1)).toMatchObject({
      event: 'plan_changed',
      actor: expect.objectContaining({ kind: 'admin' }),
      cause: 'engine signing key rotated: engine-signing-0002 added: yearly rotation',
    });

    // One rotation at a time.
    const twice = await h.call('POST', `${base}/rotate`, { token: manager, body: {} });
    expect(twice.status).toBe(409);
    expect(twice.text).toContain('retire engine-signing-0001 first');

    // Not rolled out yet (the update run has not succeeded): refused, nothing changes.
    const early = await h.call('POST', `${base}/retire`, { token: manager, body: {} });
    expect(early.status).toBe(409);
    expect(early.text).toContain('has not been rolled out');

    // The run succeeded (await-ready saw cerebro Ready with both keys): still too early.
    await h.ctx.db.runs.finish(r.run!.id, 'succeeded');
    const soon = await h.call('POST', `${base}/retire`, { token: manager, body: {} });
    expect(soon.status).toBe(409);
    expect(soon.text).toMatch(/cannot be retired before \S+ \(in (6[0-5]\d|660) s\)/);
    expect(soon.text).toContain('signingKeys');
    const waiting = (await h.call('GET', base, { token: viewer })).json<KeysView>();
    expect(waiting.rotation?.retireAfter).toBeTruthy();
    expect(
      new Date(waiting.rotation!.retireAfter!).getTime() - new Date(waiting.rotation!.rolledOutAt!).getTime(),
    ).toBe(660_000);
    expect((await h.ctx.db.tenants.findById(t.id))!.spec.bindings.vault?.signingKeys).toHaveLength(2);

    // 11 minutes later.
    offsetMs = 661_000;
    const retired = await h.call('POST', `${base}/retire`, {
      token: manager,
      body: { reason: 'rotation done' },
    });
    expect(retired.status).toBe(200);
    expect(retired.json<KeysView>()).toMatchObject({
      keys: ['engine-signing-0002'],
      rotation: null,
      run: { goal: 'update' },
      message: expect.stringContaining('deletes it from the vault'),
    });
    expect((await h.ctx.db.tenants.findById(t.id))!.spec.bindings.vault?.signingKeys).toEqual([
      'engine-signing-0002',
    ]);
    const retireRun = await h.ctx.db.runs.findByKey(t.id, 'retire-signing-key:engine-signing-0001');
    expect(retireRun?.goal).toBe('update');
    const again = await h.call('POST', `${base}/retire`, { token: manager, body: {} });
    expect(again.status).toBe(409);
    expect(again.text).toContain('nothing to retire');

    // The next rotation continues after the newest key, whatever was deleted.
    await h.ctx.db.runs.finish(retireRun!.id, 'succeeded');
    const next = await h.call('POST', `${base}/rotate`, { token: manager, body: {} });
    expect(next.json<KeysView>().keys).toEqual(['engine-signing-0002', 'engine-signing-0003']);

    // Every call is in the audit log, refusals included.
    const audit = await h.call('GET', `/admin/v1/audit?target=${t.slug}&limit=50`, { token: viewer });
    const rows = audit.json<{ items: { action: string; outcome: string }[] }>().items;
    const of = (action: string) =>
      rows
        .filter((e) => e.action === action)
        .map((e) => e.outcome)
        .sort();
    expect(of('rotateSigningKey')).toEqual(['denied', 'ok', 'ok', 'rejected', 'rejected', 'rejected']);
    expect(of('retireSigningKey')).toEqual(['ok', 'rejected', 'rejected', 'rejected']);
    offsetMs = 0;
  });

  it('refuses a tenant without a vault binding (nothing mounted to rotate), and a 404 for an unknown one', async () => {
    const t = await h.seedTenant();
    const manager = await h.token(['manager']);
    const r = await h.call('POST', `/admin/v1/tenants/${t.slug}/signing-keys/rotate`, {
      token: manager,
      body: {},
    });
    expect(r.status).toBe(409);
    expect(r.text).toContain('no vault binding');
    const view = await h.call('GET', `/admin/v1/tenants/${t.slug}/signing-keys`, { token: manager });
    expect(view.json<KeysView>()).toMatchObject({ vault: null, rotation: null });
    expect(
      (await h.call('GET', '/admin/v1/tenants/no-such-tenant/signing-keys', { token: manager })).status,
    ).toBe(404);
    const openapi = await h.call('GET', '/admin/v1/openapi.json', { token: manager });
    const paths = openapi.json<{ paths: Record<string, unknown> }>().paths;
    for (const p of ['signing-keys', 'signing-keys/rotate', 'signing-keys/retire'])
      expect(paths[`/admin/v1/tenants/{tenant}/${p}`]).toBeDefined();
  });
});
