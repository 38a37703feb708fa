/**
 * No e-mail address, sign-in token, session cookie or credential value in what cerebro writes to
 * its logs or serves on /metrics, after a full round: request access, approval, magic-link
 * sign-in, a group invitation, a credential, a refused link. Audit rows carry hashed ids only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeLeaks, findLeaks } from '@cw/observability';
import type { PluginManifest } from '@cw/mcp-gate';
import { listAudit } from '../src/audit/audit.js';
import { MANAGER, startCerebro, type CerebroHarness } from './support/cerebro.harness.js';

const PAYMENTS: PluginManifest = {
  id: 'payments',
  version: '1.0.0',
  title: 'Payments',
  description: 'Charge cards',
  credentials: [{ name: 'api_key', description: 'Key' }],
  outboundHosts: [],
  tools: [],
};

describe('leak scan', () => {
  let h: CerebroHarness;
  beforeAll(async () => {
    h = await startCerebro(
      {
        engines: [
          {
            name: 'main',
            mcpUrl: 'http://e.tenant-acme.svc:5001/mcp',
            dashboardUrl: 'http://e.tenant-acme.svc:5000',
            plugins: ['payments'],
          },
        ],
      },
      { pluginManifests: { payments: PAYMENTS } },
    );
  });
  afterAll(async () => h?.stop());

  it('logs, /metrics and audit rows hold no address, token, cookie or credential', async () => {
    const credential = 'sk_live_leakcheck_5f4e3d2c1b0a';
    const visitor = h.client();
    await visitor.get('/request-access');
    await visitor.post('/request-access', { name: 'Lea Leak', email: 'lea.leak@example.test' });
    const boss = h.client();
    await boss.signInByEmail(h, MANAGER);
    const userId = h.booted.app.services.users.idOf('lea.leak@example.test');
    await boss.get('/admin/access-requests');
    await boss.post(`/admin/access-requests/${userId}/approve`);
    const link = await h.lastLink('lea.leak@example.test');
    await visitor.useLink(link);
    await visitor.get('/credentials');
    await visitor.post('/credentials/set', {
      plugin: 'payments',
      name: 'api_key',
      level: 'user',
      value: credential,
    });
    await visitor.get('/groups');
    const group = await visitor.post('/groups', { name: 'Leakers' });
    await visitor.get(group.location ?? '/groups');
    await visitor.post(`${group.location}/invite`, { email: 'invitee.leak@example.test' });
    await h.client().useLink(link); // refused: used
    await boss.get('/admin/audit');

    const metrics = await (await fetch(new URL('/metrics', h.url))).text();
    const audit = JSON.stringify(await listAudit(h.booted.deps, {}));
    const secrets = {
      managerEmail: MANAGER,
      email: 'lea.leak@example.test',
      inviteeEmail: 'invitee.leak@example.test',
      token: new URL(link).searchParams.get('token') ?? '',
      session: visitor.cookies.get('cw_session') ?? '',
      credential,
    };
    const leaks = [
      ...findLeaks(h.logs.text(), secrets, 'logs'),
      ...findLeaks(metrics, secrets, '/metrics'),
      ...findLeaks(audit, secrets, 'audit'),
    ];
    expect(leaks, describeLeaks(leaks)).toEqual([]);
    expect(audit).toContain(userId); // rows do identify people, by hash
  });
});
