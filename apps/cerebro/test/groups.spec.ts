import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listAudit } from '../src/audit/audit.js';
import { startCerebro, MANAGER, type CerebroHarness } from './support/cerebro.harness.js';

describe('self-service groups', () => {
  let h: CerebroHarness;
  beforeEach(async () => {
    h = await startCerebro();
  });
  afterEach(async () => h.stop());

  const groupIdOf = (location: string | null) => /\/groups\/(g_[0-9a-f]+)/.exec(location ?? '')?.[1] ?? '';

  it('create → invite a newcomer by e-mail → approval → they sign in and land in the group', async () => {
    const dev = await h.signedIn('dev@acme.test', 'developer', 'Dee Dev');
    await dev.get('/groups');
    const created = await dev.post('/groups', { name: 'Payments team', description: 'Pays things' });
    expect(created.status).toBe(303);
    const groupId = groupIdOf(created.location);
    const page = await dev.get(`/groups/${groupId}`);
    expect(page.text).toContain('Payments team');
    expect(page.text).toMatch(/Dee Dev<\/td><td>dev@acme.test<\/td><td>admin/);

    expect((await dev.post(`/groups/${groupId}/invite`, { email: 'newbie@example.test' })).status).toBe(303);
    const invitation = (await h.mails({ to: 'newbie@example.test', tag: 'cerebro-group-invitation' }))[0];
    expect(invitation?.subject).toContain('Payments team');
    expect(invitation?.text).toContain('A manager approves new people first');

    // The invitation filed an access request; a manager approves it.
    const boss = await h.signedIn(MANAGER, 'manager');
    const requests = await boss.get('/admin/access-requests');
    const userId = h.booted.app.services.users.idOf('newbie@example.test');
    expect(requests.text).toContain(userId);
    await boss.post(`/admin/access-requests/${userId}/approve`);

    const newbie = h.client();
    expect((await newbie.useLink(await h.lastLink('newbie@example.test', 'cerebro-welcome'))).status).toBe(
      303,
    );
    const groups = await newbie.get('/groups');
    expect(groups.text).toContain('Payments team');
    const audit = await listAudit(h.booted.deps, { action: 'group.' });
    expect(audit.map((r) => r.action)).toEqual(['group.joined', 'group.invited', 'group.created']);
    expect(JSON.stringify(audit)).not.toContain('newbie@example.test');
  });

  it('an active member is invited, admin is handed over, members are removed and leave', async () => {
    const ana = await h.signedIn('ana@acme.test', 'viewer', 'Ana');
    const bob = await h.signedIn('bob@acme.test', 'viewer', 'Bob');
    await ana.get('/groups');
    const groupId = groupIdOf((await ana.post('/groups', { name: 'Travel' })).location);
    await ana.get(`/groups/${groupId}`);
    await ana.post(`/groups/${groupId}/invite`, { email: 'bob@acme.test' });
    const mail = (await h.mails({ to: 'bob@acme.test' }))[0];
    expect(mail?.text).toContain('/sign-in?email=');
    // Bob joins at his next sign-in.
    await bob.signInByEmail(h, 'bob@acme.test');
    expect((await bob.get('/groups')).text).toContain('Travel');
    // Bob is not an admin: he cannot remove Ana.
    const anaId = h.booted.app.services.users.idOf('ana@acme.test');
    const bobId = h.booted.app.services.users.idOf('bob@acme.test');
    await bob.get(`/groups/${groupId}`);
    expect((await bob.post(`/groups/${groupId}/members/${anaId}/remove`)).status).toBe(403);
    // The only admin cannot leave before handing over.
    await ana.get(`/groups/${groupId}`);
    expect((await ana.post(`/groups/${groupId}/leave`)).status).toBe(409);
    expect((await ana.post(`/groups/${groupId}/transfer`, { member: bobId })).status).toBe(303);
    expect((await ana.post(`/groups/${groupId}/leave`)).status).toBe(303);
    await bob.get(`/groups/${groupId}`);
    expect((await bob.get(`/groups/${groupId}`)).text).toMatch(/Bob<\/td><td>bob@acme.test<\/td><td>admin/);
    // Group membership is in the live session (it feeds tokens and the vault cascade).
    const group = await h.booted.app.services.groups.get(groupId);
    expect(group.members.map((m) => m.displayName)).toEqual(['Bob']);
  });

  it('IdP groups show read-only; bad names are refused by field', async () => {
    const ana = await h.signedIn('ana@acme.test');
    await ana.get('/groups');
    const res = await ana.post('/groups', { name: '' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('name: is required');
  });
});
