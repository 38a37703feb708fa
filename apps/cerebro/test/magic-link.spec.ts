import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listAudit } from '../src/audit/audit.js';
import { MAGIC_LINKS, MAGIC_LINKS_PARTITION } from '../src/store/collections.js';
import { MANAGER, startCerebro, type CerebroHarness } from './support/cerebro.harness.js';

describe('magic link: request access → approval → sign-in', () => {
  let h: CerebroHarness;
  beforeEach(async () => {
    h = await startCerebro();
  });
  afterEach(async () => h.stop());

  it('a pending request is approved by a manager, the welcome mail signs the person in once', async () => {
    const ana = h.client();
    await ana.get('/request-access');
    const asked = await ana.post('/request-access', {
      name: 'Ana Lima',
      email: 'ana@example.test',
      company: 'Lima Ltd',
    });
    expect(asked.status).toBe(200);
    // Pending: asking for a link sends nothing.
    await ana.get('/sign-in');
    await ana.post('/sign-in/email', { email: 'ana@example.test' });
    expect(await h.mails({ to: 'ana@example.test' })).toHaveLength(0);

    const boss = h.client();
    await boss.signInByEmail(h, MANAGER);
    const requests = await boss.get('/admin/access-requests');
    expect(requests.text).toContain('Ana Lima');
    const userId = /\/admin\/access-requests\/(u_[0-9a-f]+)\/approve/.exec(requests.text)?.[1];
    expect(userId).toBeDefined();
    expect((await boss.post(`/admin/access-requests/${userId}/approve`)).status).toBe(303);

    const link = await h.lastLink('ana@example.test', 'cerebro-welcome');
    // A mail scanner's GET shows a confirm page and does not use the link.
    const confirm = await ana.get(new URL(link).pathname + new URL(link).search);
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain('Sign me in');
    const signedIn = await ana.useLink(link);
    expect(signedIn.status).toBe(303);
    const home = await ana.get('/');
    expect(home.status).toBe(200);
    expect(home.text).toContain('Welcome, Ana Lima');
    expect(home.text).toContain('an e-mail link');

    // Single use: the same link again is refused with a 401 page and an audit row.
    const again = h.client();
    const reused = await again.useLink(link);
    expect(reused.status).toBe(401);
    expect(reused.text).toContain('already used');
    const refused = await listAudit(h.booted.deps, { action: 'sign-in.refused' });
    expect(refused.map((r) => r.reason)).toContain('invalid_or_used');
  });

  it('a rejected request never gets a link', async () => {
    const bob = h.client();
    await bob.get('/request-access');
    await bob.post('/request-access', { name: 'Bob', email: 'bob@example.test', company: '' });
    const boss = h.client();
    await boss.signInByEmail(h, MANAGER);
    const page = await boss.get('/admin/access-requests');
    const userId = /\/admin\/access-requests\/(u_[0-9a-f]+)\/reject/.exec(page.text)?.[1];
    expect((await boss.post(`/admin/access-requests/${userId}/reject`)).status).toBe(303);
    await bob.get('/sign-in');
    await bob.post('/sign-in/email', { email: 'bob@example.test' });
    expect(await h.mails({ to: 'bob@example.test' })).toHaveLength(0);
    const rows = await listAudit(h.booted.deps, { action: 'access.' });
    expect(rows.map((r) => r.action)).toEqual(['access.rejected', 'access.requested']);
  });

  it('a link expires after 15 minutes and stores only its hash', async () => {
    const boss = h.client();
    await boss.get('/sign-in');
    await boss.post('/sign-in/email', { email: MANAGER });
    const link = await h.lastLink(MANAGER);
    const token = new URL(link).searchParams.get('token') ?? '';
    expect(token.length).toBeGreaterThan(30);
    const stored = await h.store.collection(MAGIC_LINKS).query(MAGIC_LINKS_PARTITION);
    expect(stored.items).toHaveLength(1);
    expect(JSON.stringify(stored.items)).not.toContain(token);
    h.clock.advance(15 * 60 + 1);
    expect((await boss.useLink(link)).status).toBe(401);
  });

  it('rate limits link requests per e-mail', async () => {
    const c = h.client();
    await c.get('/sign-in');
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await c.post('/sign-in/email', { email: MANAGER })).status);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.at(-1)).toBe(429);
    expect(await h.mails({ to: MANAGER })).toHaveLength(5);
  });

  it('many people can use their links in the same window (the link limit is per client, not global)', async () => {
    for (let i = 0; i < 7; i++) {
      const email = `person${i}@acme.test`;
      await h.signedIn(email); // an active account
      const c = h.client();
      await c.signInByEmail(h, email);
      expect((await c.get('/')).status).toBe(200);
    }
  });

  it('forms without the CSRF token are refused', async () => {
    const c = h.client();
    await c.get('/sign-in');
    expect((await c.post('/sign-in/email', { email: MANAGER }, { csrf: false })).status).toBe(403);
    expect((await c.post('/sign-in/email', { email: MANAGER }, { csrf: 'forged' })).status).toBe(403);
  });

  it('bad input names the field and is a 400', async () => {
    const c = h.client();
    await c.get('/request-access');
    const res = await c.post('/request-access', { name: 'X', email: 'not-an-address' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('email: must be an e-mail address');
  });
});
