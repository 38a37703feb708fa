/**
 * Provider support staff through the platform's admin IdP: refused while the tenant's switch is
 * off, let in with the granted role while it is on, every request audited as provider access,
 * visible to the tenant's managers, and out when the grant ends or is switched off.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { followAuthorization, startOidcProvider, unusedPort, type TestOidcProvider } from '@cw/testing/oidc';
import { listAudit } from '../src/audit/audit.js';
import { MANAGER, startCerebro, type CerebroHarness, type TestClient } from './support/cerebro.harness.js';

describe('provider support access', () => {
  let adminIdp: TestOidcProvider;
  let h: CerebroHarness;
  let redirectUri: string;

  beforeAll(async () => {
    const port = await unusedPort();
    redirectUri = `http://127.0.0.1:${port}/provider/callback`;
    adminIdp = await startOidcProvider({
      client: { clientId: 'cw-support', clientSecret: 'support-client-secret', redirectUri },
      account: {
        sub: 'sam',
        email: 'sam@support.contextweaver.test',
        name: 'Sam Support',
        tid: 'tid-contextweaver',
        roles: ['manager'],
      },
    });
    const dir = await mkdtemp(join(tmpdir(), 'cerebro-secrets-'));
    await writeFile(join(dir, 'support-secret'), 'support-client-secret');
    h = await startCerebro(
      {
        providerSupport: {
          issuer: adminIdp.issuer,
          clientId: 'cw-support',
          clientSecretFile: join(dir, 'support-secret'),
          allowedTenantIds: ['tid-contextweaver'],
          allowInsecureIssuer: true,
        },
      },
      { port },
    );
  });
  afterAll(async () => {
    await h?.stop();
    await adminIdp?.stop();
  });

  async function supportSignIn(c: TestClient) {
    const start = await c.get('/provider/sign-in');
    const callback = new URL(await followAuthorization(start.location ?? '', redirectUri));
    return c.get(`${callback.pathname}${callback.search}`);
  }

  it('is refused while the switch is off (default), with an audit row', async () => {
    const res = await supportSignIn(h.client());
    expect(res.status).toBe(401);
    expect(res.text).toContain('Provider support access is switched off');
    const [row] = await listAudit(h.booted.deps, { action: 'sign-in.refused', limit: 1 });
    expect(row).toMatchObject({ source: 'provider', reason: 'no_provider_grant', providerAccess: true });
  });

  it('a manager grants it for a time; support arrives with that role, audited and visible', async () => {
    const boss = await h.signedIn(MANAGER, 'manager', 'Boss');
    await boss.get('/admin/provider-access');
    expect(
      (await boss.post('/admin/provider-access', { enabled: 'on', role: 'developer', hours: '0' })).status,
    ).toBe(400);
    expect(
      (await boss.post('/admin/provider-access', { enabled: 'on', role: 'developer', hours: '2' })).status,
    ).toBe(303);

    const sam = h.client();
    expect((await supportSignIn(sam)).status).toBe(303);
    const home = await sam.get('/');
    expect(home.text).toContain('provider support access');
    expect(home.text).toContain('<strong>developer</strong>'); // the grant's role, not the IdP's manager
    expect((await sam.get('/admin')).status).toBe(403);
    await sam.get('/groups');
    const rows = await listAudit(h.booted.deps, { action: 'provider.request' });
    expect(rows.map((r) => r.target)).toEqual(expect.arrayContaining(['GET /', 'GET /groups']));
    expect(rows.every((r) => r.providerAccess === true)).toBe(true);
    expect(JSON.stringify(rows)).not.toContain('sam@support');

    const visits = await boss.get('/admin/provider-access');
    expect(visits.text).toContain('Sam Support');
    expect(visits.text).toContain('as developer');

    // Switched off: the support session ends at its next request.
    expect((await boss.post('/admin/provider-access', { enabled: 'off' })).status).toBe(303);
    expect((await sam.get('/')).status).toBe(303);
  });

  it('the grant ends by itself', async () => {
    const boss = await h.signedIn(MANAGER, 'manager', 'Boss');
    await boss.get('/admin/provider-access');
    await boss.post('/admin/provider-access', { enabled: 'on', role: 'viewer', hours: '1' });
    const sam = h.client();
    expect((await supportSignIn(sam)).status).toBe(303);
    expect((await sam.get('/')).status).toBe(200);
    h.clock.advance(3601);
    expect((await sam.get('/')).status).toBe(303);
    expect((await supportSignIn(h.client())).status).toBe(401);
  });
});
