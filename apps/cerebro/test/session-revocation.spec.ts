import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startCerebro, MANAGER, type CerebroHarness } from './support/cerebro.harness.js';

describe('sessions are server-side and revocable', () => {
  let h: CerebroHarness;
  beforeEach(async () => {
    h = await startCerebro();
  });
  afterEach(async () => h.stop());

  it('sign out ends this session only; sign out everywhere ends all of them', async () => {
    const phone = await h.signedIn('ana@acme.test');
    const laptop = h.client();
    await laptop.signInByEmail(h, 'ana@acme.test');
    const tablet = h.client();
    await tablet.signInByEmail(h, 'ana@acme.test');
    expect((await tablet.get('/')).status).toBe(200);
    expect((await tablet.post('/sign-out')).status).toBe(303);
    expect((await tablet.get('/')).status).toBe(303);
    expect((await laptop.get('/')).status).toBe(200);
    expect((await phone.post('/sign-out/everywhere')).status).toBe(303);
    expect((await laptop.get('/')).status).toBe(303);
    expect((await phone.get('/')).status).toBe(303);
  });

  it('a manager disabling a user ends their sessions and stops new sign-ins', async () => {
    const ana = await h.signedIn('ana@acme.test');
    const boss = await h.signedIn(MANAGER, 'manager');
    const users = await boss.get('/admin/users');
    const userId = h.booted.app.services.users.idOf('ana@acme.test');
    expect(users.text).toContain(`/admin/users/${userId}/disable`);
    expect((await boss.post(`/admin/users/${userId}/disable`)).status).toBe(303);
    expect((await ana.get('/')).status).toBe(303);
    const again = h.client();
    await again.get('/sign-in');
    const before = (await h.mails({ to: 'ana@acme.test' })).length;
    await again.post('/sign-in/email', { email: 'ana@acme.test' });
    expect((await h.mails({ to: 'ana@acme.test' })).length).toBe(before);
  });

  it('a manager can sign someone out everywhere, and a role change applies to live sessions', async () => {
    const ana = await h.signedIn('ana@acme.test');
    const boss = await h.signedIn(MANAGER, 'manager');
    const userId = h.booted.app.services.users.idOf('ana@acme.test');
    await boss.get('/admin/users');
    expect((await boss.post(`/admin/users/${userId}/role`, { role: 'sqa' })).status).toBe(303);
    expect((await ana.get('/')).text).toContain('<strong>sqa</strong>');
    await boss.get('/admin/users');
    expect((await boss.post(`/admin/users/${userId}/role`, { role: 'owner' })).status).toBe(400);
    expect((await boss.post(`/admin/users/${userId}/sign-out`)).status).toBe(303);
    expect((await ana.get('/')).status).toBe(303);
  });

  it('sessions expire with their TTL, and the cookie is HttpOnly SameSite=Lax', async () => {
    const c = h.client();
    await c.get('/sign-in');
    await c.post('/sign-in/email', { email: MANAGER });
    const link = new URL(await h.lastLink(MANAGER));
    await c.get(link.pathname + link.search);
    const res = await fetch(new URL('/sign-in/link', h.url), {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
      },
      body: new URLSearchParams({
        token: link.searchParams.get('token') ?? '',
        _csrf:
          /name="_csrf" value="([^"]+)"/.exec((await c.get(link.pathname + link.search)).text)?.[1] ?? '',
      }),
    });
    const cookie = res.headers.getSetCookie().find((l) => l.startsWith('cw_session='));
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    const signed = h.client();
    signed.cookies.set('cw_session', decodeURIComponent(/cw_session=([^;]+)/.exec(cookie ?? '')?.[1] ?? ''));
    expect((await signed.get('/')).status).toBe(200);
    h.clock.advance(12 * 3600 + 1);
    expect((await signed.get('/')).status).toBe(303);
  });
});
