import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PluginManifest } from '@cw/mcp-gate';
import { startCerebro, MANAGER, type CerebroHarness } from './support/cerebro.harness.js';

const PAYMENTS: PluginManifest = {
  id: 'payments',
  version: '1.0.0',
  title: 'Payments',
  description: 'Charge cards',
  credentials: [{ name: 'api_key', description: 'Secret key of the payment provider' }],
  outboundHosts: ['api.stripe.com'],
  tools: [],
};
const SECRET = 'sk_test_user_9f8e7d6c5b4a3210';

describe('My Credentials', () => {
  let h: CerebroHarness;
  beforeEach(async () => {
    h = await startCerebro(
      {
        engines: [
          {
            name: 'main',
            mcpUrl: 'http://engine-main.tenant-acme.svc:5001/mcp',
            dashboardUrl: 'http://engine-main.tenant-acme.svc:5000',
            plugins: ['payments', 'acme/jira@1.2.0'],
          },
        ],
      },
      { pluginManifests: { payments: PAYMENTS } },
    );
  });
  afterEach(async () => h.stop());

  it('a user sets, replaces and deletes their own; the value is write-only', async () => {
    const ana = await h.signedIn('ana@acme.test', 'developer', 'Ana');
    const page = await ana.get('/credentials');
    expect(page.text).toContain('Secret key of the payment provider');
    expect(page.text).toContain('No metadata is available'); // jira has no package here
    expect(page.text).not.toContain('Organisation'); // not a manager
    const form = { plugin: 'payments', name: 'api_key', level: 'user' };
    expect((await ana.post('/credentials/set', { ...form, value: SECRET })).status).toBe(303);
    const after = await ana.get('/credentials');
    expect(after.text).toMatch(/Set by you on .* \(version 1\)/);
    expect(after.text).not.toContain(SECRET);
    const userId = h.booted.app.services.users.idOf('ana@acme.test');
    expect(await h.vault.get({ plugin: 'payments', name: 'api_key', scope: { level: 'user', userId } })).toBe(
      SECRET,
    );
    await ana.post('/credentials/set', { ...form, value: `${SECRET}-2` });
    expect((await ana.get('/credentials')).text).toContain('(version 2)');
    expect((await ana.post('/credentials/delete', form)).status).toBe(303);
    expect((await ana.get('/credentials')).text).not.toContain('Set by you');
  });

  it('group credentials only by the group admin; org credentials only by managers', async () => {
    const ana = await h.signedIn('ana@acme.test', 'developer', 'Ana');
    const bob = await h.signedIn('bob@acme.test', 'sqa', 'Bob');
    await ana.get('/groups');
    const groupId =
      /\/groups\/(g_[0-9a-f]+)/.exec((await ana.post('/groups', { name: 'Finance' })).location ?? '')?.[1] ??
      '';
    await ana.get('/credentials');
    expect(
      (
        await ana.post('/credentials/set', {
          plugin: 'payments',
          name: 'api_key',
          level: 'group',
          group: groupId,
          value: 'sk_group_1234567890',
        })
      ).status,
    ).toBe(303);
    await bob.get('/credentials');
    expect(
      (
        await bob.post('/credentials/set', {
          plugin: 'payments',
          name: 'api_key',
          level: 'group',
          group: groupId,
          value: 'x',
        })
      ).status,
    ).toBe(403);
    expect(
      (await bob.post('/credentials/set', { plugin: 'payments', name: 'api_key', level: 'org', value: 'x' }))
        .status,
    ).toBe(403);
    const boss = await h.signedIn(MANAGER, 'manager', 'Boss');
    const page = await boss.get('/credentials');
    expect(page.text).toContain('Organisation');
    expect(
      (
        await boss.post('/credentials/set', {
          plugin: 'payments',
          name: 'api_key',
          level: 'org',
          value: 'sk_org_1234567890',
        })
      ).status,
    ).toBe(303);
    const list = await h.vault.list({ plugin: 'payments' });
    expect(list.map((m) => m.scope.level).sort()).toEqual(['group', 'org']);
    expect((await boss.get('/credentials')).text).toMatch(/Organisation<\/th>\s*<td>Set by you/);
  });

  it('names the field for undeclared credentials and unknown plugins', async () => {
    const ana = await h.signedIn('ana@acme.test');
    await ana.get('/credentials');
    const bad = await ana.post('/credentials/set', {
      plugin: 'payments',
      name: 'password',
      level: 'user',
      value: 'x',
    });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('name: is not a credential the payments plugin declares');
    expect(
      (await ana.post('/credentials/set', { plugin: 'github', name: 'token', level: 'user', value: 'x' }))
        .status,
    ).toBe(404);
    expect(
      (await ana.post('/credentials/set', { plugin: 'payments', name: 'api_key', level: 'user', value: '' }))
        .status,
    ).toBe(400);
  });
});
