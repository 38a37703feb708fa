// Support staff sign-in in a browser: authorization code + PKCE against a real oidc-provider,
// ending in the same SessionUser shape as the customer's magic-link session.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { followAuthorization, startOidcProvider, type TestOidcProvider } from '@cw/testing/oidc';
import {
  auditActor,
  AuthenticationError,
  createBrowserLogin,
  finishLogin,
  startLogin,
  type BrowserLoginConfigInput,
  type SessionUser,
} from '../src/index.js';

const TID = 'tid-contextweaver';
let op: TestOidcProvider;
let config: BrowserLoginConfigInput;

beforeAll(async () => {
  op = await startOidcProvider({ account: { tid: TID } });
  config = {
    issuer: op.issuer,
    clientId: op.client.clientId,
    clientSecret: op.client.clientSecret,
    redirectUri: op.client.redirectUri,
    allowedTenantIds: [TID],
    allowInsecureRequests: true,
  };
});
afterAll(() => op.stop());
afterEach(() => op.setAccount({ tid: TID, roles: ['manager'], groups: [] }));

const reasonOf = (err: unknown) => (err instanceof AuthenticationError ? err.reason : err);

describe('browser login (authorization code + PKCE)', () => {
  it('signs a support manager in and yields a SessionUser', async () => {
    const started = await startLogin(config);
    const url = new URL(started.url);
    expect(url.origin).toBe(op.issuer);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toBeTruthy();
    expect(url.searchParams.get('code_challenge')).not.toBe(started.codeVerifier);
    expect(url.searchParams.get('state')).toBe(started.state);
    expect(url.searchParams.get('nonce')).toBe(started.nonce);

    const callback = await followAuthorization(started.url, op.client.redirectUri);
    const user = await finishLogin(config, callback, started);
    expect(user).toEqual<SessionUser>({
      email: op.account.email,
      displayName: op.account.name,
      roles: ['manager'],
      groups: [],
      source: 'oidc',
      authenticated: true,
    });
    expect(auditActor(user)).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(auditActor(user)).not.toContain(op.account.email);
  });

  it('accepts the callback as request path + query (req.originalUrl behind a proxy)', async () => {
    const login = createBrowserLogin(config);
    const started = await login.start();
    const callback = new URL(await followAuthorization(started.url, op.client.redirectUri));
    const user = await login.finish(callback.pathname + callback.search, started);
    expect(user.email).toBe(op.account.email);
  });

  it('makes a user without roles a viewer', async () => {
    op.setAccount({ roles: [] });
    const started = await startLogin(config);
    const user = await finishLogin(
      config,
      await followAuthorization(started.url, op.client.redirectUri),
      started,
    );
    expect(user.roles).toEqual(['viewer']);
  });

  it('refuses a user of another identity tenant', async () => {
    op.setAccount({ tid: 'tid-evil-corp' });
    const started = await startLogin(config);
    const callback = await followAuthorization(started.url, op.client.redirectUri);
    const err = await finishLogin(config, callback, started).catch((e: unknown) => e);
    expect(reasonOf(err)).toBe('tenant_not_allowed');
  });

  it('refuses a callback whose state does not match the saved one (login CSRF)', async () => {
    const started = await startLogin(config);
    const callback = await followAuthorization(started.url, op.client.redirectUri);
    const err = await finishLogin(config, callback, { ...started, state: 'someone-elses-state' }).catch(
      (e: unknown) => e,
    );
    expect(reasonOf(err)).toBe('login_failed');
  });

  it('refuses a wrong PKCE verifier and a replayed code', async () => {
    const started = await startLogin(config);
    const callback = await followAuthorization(started.url, op.client.redirectUri);
    const wrongVerifier = await finishLogin(config, callback, {
      ...started,
      codeVerifier: 'x'.repeat(43),
    }).catch((e: unknown) => e);
    expect(reasonOf(wrongVerifier)).toBe('login_failed');

    const again = await startLogin(config);
    const fresh = await followAuthorization(again.url, op.client.redirectUri);
    await expect(finishLogin(config, fresh, again)).resolves.toBeDefined();
    expect(reasonOf(await finishLogin(config, fresh, again).catch((e: unknown) => e))).toBe('login_failed');
  });

  it('reports an error returned by the IdP as login_failed', async () => {
    const started = await startLogin(config);
    const denied = `${op.client.redirectUri}?error=access_denied&state=${started.state}&iss=${encodeURIComponent(op.issuer)}`;
    expect(reasonOf(await finishLogin(config, denied, started).catch((e: unknown) => e))).toBe(
      'login_failed',
    );
  });
});
