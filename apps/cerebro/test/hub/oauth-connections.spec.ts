/**
 * The person's side of external MCP clients: "Connected applications" lists what they allowed and
 * Revoke ends it at once (the client's next refresh is refused); managers see and revoke everyone's;
 * sign-out keeps connections, "sign out everywhere" (by the person or a manager) and disabling end
 * them; an e-mail-link sign-in started on the consent page comes back to it; the return path is
 * checked strictly. Driven over HTTP with real oidc-provider flows (code + PKCE, refresh).
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { safeNext } from '../../src/identity/identity.routes.js';
import { MANAGER, startCerebro, type CerebroHarness, type TestClient } from '../support/cerebro.harness.js';

const REDIRECT = 'http://127.0.0.1:1/callback';
const MCP_URL = 'http://127.0.0.1:9/mcp';

interface Tokens {
  access_token: string;
  refresh_token: string;
}

describe('connected applications', () => {
  let h: CerebroHarness;
  beforeAll(async () => {
    h = await startCerebro({
      engines: [{ name: 'main', mcpUrl: MCP_URL, dashboardUrl: 'http://127.0.0.1:9', plugins: ['payments'] }],
    });
  }, 120_000);
  afterAll(async () => h?.stop());

  async function register(name: string): Promise<string> {
    const reg = await fetch(`${h.url}/oauth/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: name,
        redirect_uris: [REDIRECT],
        token_endpoint_auth_method: 'none',
      }),
    });
    expect(reg.status).toBe(201);
    return ((await reg.json()) as { client_id: string }).client_id;
  }

  function authorizationPath(clientId: string) {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const path = `/oauth/auth?${new URLSearchParams({
      client_id: clientId,
      response_type: 'code',
      redirect_uri: REDIRECT,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      resource: MCP_URL,
      state: 's',
    })}`;
    return { path, verifier };
  }

  async function exchange(clientId: string, code: string, verifier: string): Promise<Tokens> {
    const res = await fetch(`${h.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT,
        client_id: clientId,
        code_verifier: verifier,
        resource: MCP_URL,
      }),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as Tokens;
  }

  /** Consent on `browser` (signed in), code + PKCE exchange: the client's first tokens. */
  async function connect(browser: TestClient, clientId: string): Promise<Tokens> {
    const { path, verifier } = authorizationPath(clientId);
    const asked = await browser.get(path);
    expect(asked.location).toMatch(/^\/connect\//);
    await browser.get(asked.location!);
    const decided = await browser.post(asked.location!, { decision: 'allow' });
    const resumed = await browser.get(decided.location!);
    const code = new URL(resumed.location!).searchParams.get('code');
    expect(code).toBeTruthy();
    return exchange(clientId, code!, verifier);
  }

  const refresh = (clientId: string, rt: string) =>
    fetch(`${h.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: rt,
        client_id: clientId,
        resource: MCP_URL,
      }),
    });

  /** A refresh that works returns the rotated refresh token. */
  async function refreshed(clientId: string, rt: string): Promise<string> {
    const res = await refresh(clientId, rt);
    expect(res.status).toBe(200);
    return ((await res.json()) as Tokens).refresh_token;
  }

  async function refused(clientId: string, rt: string): Promise<void> {
    const res = await refresh(clientId, rt);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_grant');
  }

  const userIdOf = (email: string) => h.booted.app.services.users.idOf(email);

  it('lists what the person allowed and Revoke ends it at once; nobody else can revoke it', async () => {
    const ann = await h.signedIn('ann@acme.test', 'developer', 'Ann');
    const clientId = await register('Visual Studio Code');
    const tokens = await connect(ann, clientId);
    const rt = await refreshed(clientId, tokens.refresh_token);

    const page = await ann.get('/connections');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Visual Studio Code');
    expect(page.text).toContain('engine main');
    expect(page.text).toContain('300 s');
    expect(page.text).toMatch(
      /allowed <time datetime="[^"]+">\d{4}-\d\d-\d\d \d\d:\d\d<\/time><br \/>last used <time datetime="[^"]+">\d{4}-\d\d-\d\d \d\d:\d\d<\/time>/,
    );
    const action = /action="(\/connections\/[0-9a-f]{64}\/revoke)"/.exec(page.text)?.[1];
    expect(action).toBeDefined();

    // Someone else's session cannot revoke it (the id is looked up in their own connections).
    const bob = await h.signedIn('bob@acme.test', 'developer', 'Bob');
    await bob.get('/connections');
    expect((await bob.post(action!)).status).toBe(404);
    await refreshed(clientId, rt).then(async (next) => {
      // Still connected after Bob's attempt: revoke as Ann, then the rotated token is refused.
      await ann.get('/connections');
      const done = await ann.post(action!);
      expect(done.status).toBe(303);
      expect((await ann.get('/connections')).text).toContain('No application is connected');
      await refused(clientId, next);
    });
    // Without the form token the revoke is refused (CSRF).
    expect((await ann.post(action!, {}, { csrf: false })).status).toBe(403);
  });

  it("managers see everyone's connections and revoke one; a viewer may not", async () => {
    const cid = await h.signedIn('cid@acme.test', 'viewer', 'Cid');
    const clientId = await register('MCP Inspector');
    const tokens = await connect(cid, clientId);
    expect((await cid.get('/admin/connections')).status).toBe(403);

    const boss = await h.signedIn(MANAGER, 'manager', 'Boss');
    const page = await boss.get('/admin/connections');
    expect(page.status).toBe(200);
    expect(page.text).toContain('cid@acme.test');
    expect(page.text).toContain('MCP Inspector');
    const action = new RegExp(
      `action="(/admin/connections/${userIdOf('cid@acme.test')}/[0-9a-f]{64}/revoke)"`,
    ).exec(page.text)?.[1];
    expect(action).toBeDefined();
    expect((await boss.post(action!)).status).toBe(303);
    await refused(clientId, tokens.refresh_token);
    expect((await boss.get('/admin/connections')).text).not.toContain('cid@acme.test');
  });

  it('sign-out keeps connections; sign out everywhere, a manager signing out and disabling end them', async () => {
    const clientId = await register('Claude');
    let dora = await h.signedIn('dora@acme.test', 'developer', 'Dora');
    let tokens = await connect(dora, clientId);
    await dora.get('/');
    expect((await dora.post('/sign-out')).status).toBe(303);
    const rt = await refreshed(clientId, tokens.refresh_token);

    dora = await h.signedIn('dora@acme.test', 'developer', 'Dora');
    await dora.get('/');
    expect((await dora.post('/sign-out/everywhere')).status).toBe(303);
    await refused(clientId, rt);

    const boss = await h.signedIn(MANAGER, 'manager', 'Boss');
    dora = await h.signedIn('dora@acme.test', 'developer', 'Dora');
    tokens = await connect(dora, clientId);
    await boss.get('/admin/users');
    expect((await boss.post(`/admin/users/${userIdOf('dora@acme.test')}/sign-out`)).status).toBe(303);
    await refused(clientId, tokens.refresh_token);

    dora = await h.signedIn('dora@acme.test', 'developer', 'Dora');
    tokens = await connect(dora, clientId);
    await boss.get('/admin/users');
    expect((await boss.post(`/admin/users/${userIdOf('dora@acme.test')}/disable`)).status).toBe(303);
    await refused(clientId, tokens.refresh_token);
    expect((await boss.get('/admin/connections')).text).not.toContain('dora@acme.test');
  });

  it('a disabled person cannot refresh even when the grant is still there (checked at issue time)', async () => {
    const clientId = await register('Cursor');
    const eve = await h.signedIn('eve@acme.test', 'developer', 'Eve');
    const tokens = await connect(eve, clientId);
    const users = h.booted.app.services.users;
    const record = (await users.get(userIdOf('eve@acme.test')))!;
    // Saved straight in the store, without the disable action's revocation: the account check alone.
    await users.save({ ...record, status: 'disabled' });
    await refused(clientId, tokens.refresh_token);
  });

  it('an e-mail-link sign-in started on the consent page returns to it', async () => {
    await h.signedIn('fay@acme.test', 'developer', 'Fay');
    const clientId = await register('Zed');
    const browser = h.client();
    const { path } = authorizationPath(clientId);
    const asked = await browser.get(path);
    const consentPath = asked.location!;
    const ask = await browser.get(consentPath);
    expect(ask.text).toContain('Sign in to connect');
    const signIn = /href="(\/sign-in\?next=[^"]+)"/.exec(ask.text)?.[1]?.replaceAll('&amp;', '&');
    expect(signIn).toBe(`/sign-in?next=${encodeURIComponent(consentPath)}`);
    const form = await browser.get(signIn!);
    expect(form.text).toContain(`name="next" value="${consentPath}"`);
    await browser.post('/sign-in/email', { email: 'fay@acme.test', next: consentPath });
    const link = new URL(await h.lastLink('fay@acme.test'));
    expect(link.searchParams.get('next')).toBe(consentPath);
    const confirm = await browser.get(`${link.pathname}${link.search}`);
    expect(confirm.text).toContain(`name="next" value="${consentPath}"`);
    const done = await browser.post('/sign-in/link', {
      token: link.searchParams.get('token')!,
      next: link.searchParams.get('next')!,
    });
    expect(done.status).toBe(303);
    expect(done.location).toBe(consentPath);
    const consent = await browser.get(consentPath);
    expect(consent.text).toContain('Zed');
    expect(consent.text).toContain('value="allow"');
  });

  it('a forged return path after the e-mail link lands on the home page', async () => {
    await h.signedIn('gus@acme.test', 'developer', 'Gus');
    const browser = h.client();
    await browser.get('/sign-in');
    await browser.post('/sign-in/email', { email: 'gus@acme.test', next: '//evil.example/x' });
    const link = new URL(await h.lastLink('gus@acme.test'));
    expect(link.searchParams.get('next')).toBeNull();
    await browser.get(`${link.pathname}${link.search}`);
    const done = await browser.post('/sign-in/link', {
      token: link.searchParams.get('token')!,
      next: 'https://evil.example/',
    });
    expect(done.location).toBe('/');
  });
});

describe('safeNext', () => {
  it('keeps same-origin relative paths only', () => {
    for (const ok of ['/', '/connect/abc-DEF_123', '/chat?c=1&x=%2F', '/admin/users#top'])
      expect(safeNext(ok)).toBe(ok);
    for (const bad of [
      '//evil.example',
      '/\\evil.example',
      '/\\/evil.example',
      'https://evil.example/',
      'javascript:alert(1)',
      'connect/abc',
      '/a//b',
      '/x y',
      '/x\ty',
      '/x\r\nLocation: https://evil.example',
      '',
      '/' + 'a'.repeat(600),
      42,
      undefined,
    ])
      expect(safeNext(bad)).toBe('/');
  });
});
