// Admin API authentication against a real oidc-provider: the attack scenarios (another identity
// tenant, forged signature, valid user without roles), expired, wrong audience, alg none and a
// key rotation — each with its HTTP status and its audit row — plus the browser session with
// CSRF, the "not configured" answer, and no e-mail or token in audit rows or logs.
import { generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '@cw/db';
import { SESSION_COOKIE, encodeSession, magicLinkSession } from '@cw/control-plane';
import { followAuthorization } from '@cw/testing/oidc';
import { ADMIN_ROUTES } from '../../src/admin/admin-routes.js';
import { startAdminHarness, type AdminHarness, type Reply } from './support/admin-harness.js';

let h: AdminHarness;
const tokensUsed: string[] = [];
beforeAll(async () => {
  h = await startAdminHarness('adminauth');
});
afterAll(async () => h?.close());

const LIST = '/admin/v1/tenants';
const remember = (token: string) => (tokensUsed.push(token), token);

/** The newest audit row written for this correlation id. */
async function auditFor(reply: Reply): Promise<AuditRecord> {
  const id = reply.headers.get('x-correlation-id')!;
  const row = (await h.audit()).find((r) => r.correlationId === id);
  if (!row) throw new Error(`no audit row for ${id}`);
  return row;
}

async function refused(
  token: string,
  expected: { status: number; reason: string },
  method = 'GET',
  path = LIST,
) {
  const reply = await h.call(method, path, {
    token: remember(token),
    body: method === 'POST' ? {} : undefined,
  });
  expect(reply.status, reply.text).toBe(expected.status);
  expect(reply.json<{ error: { code: string } }>().error.code).toBe(expected.reason);
  const row = await auditFor(reply);
  expect(row).toMatchObject({
    outcome: 'denied',
    details: { status: expected.status, reason: expected.reason },
  });
  return { reply, row };
}

describe('attack scenarios', () => {
  it('refuses a token from another identity tenant: 401 tenant_not_allowed, audited with the client address hash only', async () => {
    const { reply, row } = await refused(await h.token(['manager'], { tid: 'tid-evil-corp' }), {
      status: 401,
      reason: 'tenant_not_allowed',
    });
    expect(reply.headers.get('www-authenticate')).toBe(
      'Bearer error="invalid_token", error_description="tenant_not_allowed"',
    );
    expect(row.action).toBe('listTenants');
    expect(row.actor).toEqual({ kind: 'anonymous', ipHash: expect.stringMatching(/^sha256:[0-9a-f]{16}$/) });
  });

  it('refuses a forged signature: 401 bad_signature, with the real kid or an invented one', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    await refused(
      await h.token(['manager'], {}, { key: privateKey }),
      { status: 401, reason: 'bad_signature' },
      'POST',
      '/admin/v1/tenants/acme/suspend',
    );
    await refused(await h.token(['manager'], {}, { key: privateKey, kid: 'attacker' }), {
      status: 401,
      reason: 'bad_signature',
    });
  });

  it('lets a valid user without roles look (viewer) but refuses a change with 403, audited under their pseudonym', async () => {
    const token = remember(await h.token([]));
    expect((await h.call('GET', LIST, { token })).status).toBe(200);
    const tenant = await h.seedTenant();
    const reply = await h.call('POST', `/admin/v1/tenants/${tenant.slug}/suspend`, {
      token,
      body: { reason: 'testing' },
    });
    expect(reply.status).toBe(403);
    expect(reply.json()).toMatchObject({ error: { code: 'insufficient_role' } });
    const row = await auditFor(reply);
    expect(row).toMatchObject({
      action: 'suspendTenant',
      target: tenant.slug,
      outcome: 'denied',
      actor: { kind: 'admin', subjectHash: expect.stringMatching(/^sha256:[0-9a-f]{16}$/) },
      details: { status: 403, reason: 'insufficient_role', requiredRole: 'manager' },
    });
    expect((await h.ctx.db.tenants.getById(tenant.id)).state).toBe('active');
  });
});

describe('other refusals', () => {
  it('expired: 401 expired', async () => {
    await refused(await h.token(['manager'], {}, { expiresIn: -300 }), { status: 401, reason: 'expired' });
  });

  it('wrong audience: 401 wrong_audience', async () => {
    await refused(await h.token(['manager'], {}, { audience: 'api://another-api' }), {
      status: 401,
      reason: 'wrong_audience',
    });
  });

  it('alg none (and HS256 keyed with the public key): 401 alg_not_allowed', async () => {
    await refused(await h.token(['manager'], {}, { alg: 'none' }), {
      status: 401,
      reason: 'alg_not_allowed',
    });
    await refused(
      await h.token(['manager'], {}, { alg: 'HS256' }),
      { status: 401, reason: 'alg_not_allowed' },
      'POST',
      '/admin/v1/tenants/acme/resume',
    );
  });

  it('no token: 401 with a bare Bearer challenge', async () => {
    const reply = await h.call('GET', LIST);
    expect(reply.status).toBe(401);
    expect(reply.headers.get('www-authenticate')).toBe('Bearer');
    expect((await auditFor(reply)).details).toMatchObject({
      status: 401,
      reason: 'missing_token',
      credential: 'none',
    });
  });

  it("a customer's session cookie is no admin credential", async () => {
    const tenant = await h.seedTenant();
    const cookie = `${SESSION_COOKIE}=${encodeSession(h.ctx.keys, magicLinkSession('owner@customer.example', [tenant.id]), 60_000)}`;
    expect((await h.call('GET', LIST, { headers: { cookie } })).status).toBe(401);
  });
});

describe('key rotation', () => {
  it('accepts tokens of the new key without restart; tokens of the removed key are refused and audited', async () => {
    const before = remember(await h.token(['viewer']));
    expect((await h.call('GET', LIST, { token: before })).status).toBe(200);
    await h.op.rotateKeys();
    const after = remember(await h.token(['viewer']));
    expect((await h.call('GET', LIST, { token: after })).status).toBe(200);
    await refused(before, { status: 401, reason: 'bad_signature' });
  });
});

describe('browser session', () => {
  const cookies = new Map<string, string>();
  const jar = (reply: Reply) => {
    for (const line of reply.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, ...rest] = pair!.split('=');
      if (/Max-Age=0/.test(line)) cookies.delete(name!);
      else cookies.set(name!, rest.join('='));
    }
  };
  const cookie = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');

  it('signs in with code + PKCE and opens the docs page with the session cookie', async () => {
    const page = await h.call('GET', '/admin/v1/docs', { headers: { accept: 'text/html' } });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/admin/login?return=%2Fadmin%2Fv1%2Fdocs');
    const login = await h.call('GET', '/admin/login?return=/admin/v1/docs');
    expect(login.status).toBe(303);
    jar(login);
    const idp = new URL(login.headers.get('location')!);
    expect(idp.origin).toBe(h.op.issuer);
    expect(idp.searchParams.get('code_challenge_method')).toBe('S256');
    const callback = new URL(await followAuthorization(idp.href, `${h.url}/admin/callback`));
    const done = await h.call('GET', callback.pathname + callback.search, { headers: { cookie: cookie() } });
    expect(done.status, done.text).toBe(303);
    expect(done.headers.get('location')).toBe('/admin/v1/docs');
    jar(done);
    expect(cookies.has('cw_admin_session')).toBe(true);
    const set = done.headers.getSetCookie().find((line) => line.startsWith('cw_admin_session='));
    expect(set?.split('; ').slice(1).sort()).toEqual(
      expect.arrayContaining(['HttpOnly', 'Path=/admin', 'SameSite=Lax']),
    );
    expect(set).toMatch(/; Max-Age=\d+;/);

    const docs = await h.call('GET', '/admin/v1/docs', {
      headers: { cookie: cookie(), accept: 'text/html' },
    });
    expect(docs.status).toBe(200);
    expect(docs.text).toContain('ContextWeaver admin API');
    expect(docs.text).not.toContain(h.op.account.email);
    const login_rows = (await h.audit()).filter((r) => r.action === 'adminLogin');
    expect(login_rows.map((r) => r.outcome)).toContain('ok');
  });

  it('refuses a state change with the cookie but without the CSRF token (403, audited), accepts it with the token', async () => {
    const tenant = await h.seedTenant();
    const path = `/admin/v1/tenants/${tenant.slug}/suspend`;
    const without = await h.call('POST', path, {
      headers: { cookie: cookie() },
      body: { reason: 'cookie without csrf' },
    });
    expect(without.status).toBe(403);
    expect(without.json()).toMatchObject({ error: { code: 'csrf_failed' } });
    expect((await auditFor(without)).details).toMatchObject({
      status: 403,
      reason: 'csrf_failed',
      credential: 'session',
    });

    const session = await h.call('GET', '/admin/v1/session', { headers: { cookie: cookie() } });
    const { csrfToken, credential, roles } = session.json<{
      csrfToken: string;
      credential: string;
      roles: string[];
    }>();
    expect({ credential, roles }).toEqual({ credential: 'session', roles: ['manager'] });
    const ok = await h.call('POST', path, {
      headers: { cookie: cookie(), 'x-csrf-token': csrfToken },
      body: { reason: 'cookie with csrf' },
    });
    expect(ok.status, ok.text).toBe(200);
    expect((await h.ctx.db.tenants.getById(tenant.id)).state).toBe('suspended');
    expect(await auditFor(ok)).toMatchObject({
      outcome: 'ok',
      action: 'suspendTenant',
      tenantId: tenant.id,
      details: { credential: 'session' },
    });
  });

  it('refuses a tampered session cookie', async () => {
    const value = cookies.get('cw_admin_session')!;
    const tampered = `cw_admin_session=${value.slice(0, -4)}AAAA`;
    expect((await h.call('GET', LIST, { headers: { cookie: tampered } })).status).toBe(401);
  });
});

describe('not configured', () => {
  it('answers 503 "admin API not configured" on every admin route, whatever the credential', async () => {
    const off = await startAdminHarness('adminoff', {
      adminEnv: { ADMIN_OIDC_ISSUER: '', ADMIN_OIDC_AUDIENCE: '', ADMIN_OIDC_CLIENT_ID: '' },
    });
    try {
      const token = await h.token(['manager']);
      for (const route of ADMIN_ROUTES) {
        const reply = await off.call(route.method, route.path.replace('{tenant}', 'acme'), {
          token,
          body: route.method === 'POST' ? {} : undefined,
        });
        expect(reply.status, `${route.method} ${route.path}`).toBe(503);
        expect(reply.json()).toMatchObject({
          error: {
            code: 'admin_not_configured',
            message: expect.stringContaining('admin API not configured'),
          },
        });
      }
      expect((await off.call('GET', '/admin/login')).status).toBe(503);
    } finally {
      await off.close();
    }
  });
});

describe('privacy', () => {
  it('never stores or logs an e-mail address or a token', async () => {
    const rows = JSON.stringify(await h.audit());
    const logs = h.logs.join('\n');
    expect(h.logs.length).toBeGreaterThan(10);
    expect(rows).toContain('sha256:');
    for (const secret of [h.op.account.email, h.op.client.clientSecret, ...tokensUsed]) {
      expect(rows).not.toContain(secret);
      expect(logs).not.toContain(secret);
    }
    // Token-shaped strings in general: no JWT header, no "Bearer <something>".
    expect(rows).not.toMatch(/eyJ[A-Za-z0-9_-]{8,}\./);
    expect(logs).not.toMatch(/eyJ[A-Za-z0-9_-]{8,}\./);
    expect(`${rows}\n${logs}`).not.toMatch(/@(support\.contextweaver\.test|customer\.example)/);
  });
});
