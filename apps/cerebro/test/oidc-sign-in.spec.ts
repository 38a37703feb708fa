/**
 * Sign-in through the customer's IdP against two real in-process OpenID providers: the tenant's
 * (tid allowlist) and another one. Refusals are driven either by the IdP's account (wrong tid,
 * no roles) or by replacing the ID token in the token response (forged, expired, audience,
 * issuer, group overage) — the path an attacker in the middle or a misconfigured IdP would take.
 */
import { writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decodeJwt, generateKeyPair } from 'jose';
import { followAuthorization, startOidcProvider, unusedPort, type TestOidcProvider } from '@cw/testing/oidc';
import { listAudit } from '../src/audit/audit.js';
import { USERS, USERS_PARTITION } from '../src/store/collections.js';
import { startCerebro, type CerebroHarness, type TestClient } from './support/cerebro.harness.js';

const CLIENT_ID = 'cerebro-acme';
type Tamper = ((idToken: string) => Promise<string>) | undefined;

describe('sign-in with the customer IdP (OIDC code + PKCE)', () => {
  let idp: TestOidcProvider;
  let other: TestOidcProvider;
  let h: CerebroHarness;
  let tamper: Tamper;
  let redirectUri: string;

  beforeAll(async () => {
    const port = await unusedPort();
    redirectUri = `http://127.0.0.1:${port}/auth/callback`;
    idp = await startOidcProvider({
      client: { clientId: CLIENT_ID, clientSecret: 'test-client-secret-acme', redirectUri },
      account: {
        sub: 'ana',
        email: 'ana@acme.test',
        name: 'Ana Acme',
        tid: 'tid-acme',
        roles: ['developer'],
        groups: ['eng'],
      },
    });
    other = await startOidcProvider({ client: { clientId: CLIENT_ID, redirectUri } });
    const dir = await mkdtemp(join(tmpdir(), 'cerebro-secrets-'));
    await writeFile(join(dir, 'oidc-client-secret'), 'test-client-secret-acme\n');
    // Replaces the ID token of token-endpoint answers when a test sets `tamper`.
    const idpFetch: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (!tamper || !url.includes('/token')) return res;
      const body = (await res.json()) as Record<string, unknown>;
      body.id_token = await tamper(String(body.id_token));
      return new Response(JSON.stringify(body), {
        status: res.status,
        headers: { 'content-type': 'application/json' },
      });
    };
    h = await startCerebro(
      {
        identity: {
          mode: 'oidc',
          issuer: idp.issuer,
          clientId: CLIENT_ID,
          clientSecretFile: join(dir, 'oidc-client-secret'),
          allowedTenantIds: ['tid-acme'],
          allowInsecureIssuer: true,
        },
      },
      { port, idpFetch },
    );
  });
  afterAll(async () => {
    await h?.stop();
    await idp?.stop();
    await other?.stop();
  });
  beforeEach(() => {
    tamper = undefined;
    idp.setAccount({
      sub: 'ana',
      email: 'ana@acme.test',
      name: 'Ana Acme',
      tid: 'tid-acme',
      roles: ['developer'],
      groups: ['eng'],
    });
  });

  async function signIn(client: TestClient) {
    const start = await client.get('/sign-in/idp?next=/groups');
    expect(start.status).toBe(303);
    const callback = new URL(await followAuthorization(start.location ?? '', redirectUri));
    return client.get(`${callback.pathname}${callback.search}`);
  }

  it('signs in with roles and groups from the token and lands on the asked page', async () => {
    const c = h.client();
    const done = await signIn(c);
    expect(done.status).toBe(303);
    expect(done.location).toBe('/groups');
    const groups = await c.get('/groups');
    expect(groups.status).toBe(200);
    expect(groups.text).toContain('eng');
    const home = await c.get('/');
    expect(home.text).toContain('your organisation account');
    expect(home.text).toContain('<strong>developer</strong>');
    expect((await c.get('/admin')).status).toBe(403);
  });

  it('a user without roles is a viewer', async () => {
    idp.setAccount({ sub: 'vic', email: 'vic@acme.test', name: 'Vic', roles: [] });
    const c = h.client();
    expect((await signIn(c)).status).toBe(303);
    expect((await c.get('/')).text).toContain('<strong>viewer</strong>');
  });

  async function expectRefused(reason: string) {
    const before = (await h.store.collection(USERS).query(USERS_PARTITION)).items.length;
    const c = h.client();
    const res = await signIn(c);
    expect(res.status).toBe(401);
    expect(res.text).toContain(`Reason code: ${reason}`);
    expect((await c.get('/')).status).toBe(303); // no session
    expect((await h.store.collection(USERS).query(USERS_PARTITION)).items.length).toBe(before);
    const rows = await listAudit(h.booted.deps, { action: 'sign-in.refused', limit: 1 });
    expect(rows[0]).toMatchObject({ reason, source: 'oidc', outcome: 'refused' });
  }

  it('refuses a user of another Entra tenant (tid not allowed)', async () => {
    idp.setAccount({ sub: 'eve', email: 'eve@evil.test', tid: 'tid-evil' });
    await expectRefused('tenant_not_allowed');
  });

  it('refuses a forged ID token (signed with a key the IdP never published)', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    tamper = async (t) =>
      idp.signToken({ nonce: decodeJwt(t).nonce }, { audience: CLIENT_ID, key: privateKey });
    await expectRefused('bad_signature');
  });

  it('refuses an expired ID token', async () => {
    tamper = async (t) =>
      idp.signToken({ nonce: decodeJwt(t).nonce }, { audience: CLIENT_ID, expiresIn: -3600 });
    await expectRefused('expired');
  });

  it('refuses an ID token for another audience', async () => {
    tamper = async (t) => idp.signToken({ nonce: decodeJwt(t).nonce }, { audience: 'another-app' });
    await expectRefused('wrong_audience');
  });

  it('refuses an ID token from the other issuer', async () => {
    tamper = async (t) => other.signToken({ nonce: decodeJwt(t).nonce }, { audience: CLIENT_ID });
    await expectRefused('wrong_issuer');
  });

  it('refuses Entra group overage clearly instead of guessing groups', async () => {
    tamper = async (t) =>
      idp.signToken(
        {
          nonce: decodeJwt(t).nonce,
          groups: undefined,
          _claim_names: { groups: 'src1' },
          _claim_sources: { src1: { endpoint: 'https://graph.microsoft.com/v1.0/users/x/getMemberObjects' } },
        },
        { audience: CLIENT_ID },
      );
    await expectRefused('group_overage');
  });
});
