/**
 * oidc-provider's state in the tenant store: what the provider asks of an adapter (find, consume,
 * find a session by uid, revoke everything of a grant, expiry), and that no bearer id (code,
 * refresh token, session id) is readable from the stored rows. Then, through a running cerebro:
 * registration accepts public clients only, and a registered client survives a restart of the app
 * on the same store.
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createRegistry } from '@cw/observability';
import { MemoryTenantStore } from '@cw/tenant-store';
import { OAUTH_RECORDS, OAuthConnections, TenantStoreOidcAdapter } from '../../src/oauth/store.adapter.js';
import { startCerebro } from '../support/cerebro.harness.js';

const rowsOf = async (store: MemoryTenantStore, partitions: string[]) => {
  const out: string[] = [];
  for (const p of partitions) {
    const { items } = await store.collection(OAUTH_RECORDS).query(p, { limit: 1000 });
    out.push(...items.map((i) => JSON.stringify(i)));
  }
  return out.join('\n');
};

describe('oidc-provider adapter on the tenant store', () => {
  it('finds, consumes, looks sessions up by uid, revokes a grant, and keeps no bearer id', async () => {
    let now = new Date('2026-12-07T03:00:00Z');
    const store = new MemoryTenantStore('acme', { clock: () => now });
    const key = randomBytes(32);
    const codes = new TenantStoreOidcAdapter('AuthorizationCode', store, key);
    const refresh = new TenantStoreOidcAdapter('RefreshToken', store, key);
    const sessions = new TenantStoreOidcAdapter('Session', store, key);
    const code = 'code-secret-0123456789abcdef';
    const rt = 'refresh-secret-0123456789abcdef';
    const sid = 'session-secret-0123456789abcdef';
    await codes.upsert(code, { jti: code, grantId: 'g1', accountId: 'u_1' }, 60);
    await refresh.upsert(rt, { jti: rt, grantId: 'g1', accountId: 'u_1' }, 3600);
    await sessions.upsert(sid, { jti: sid, uid: 'uid-1', accountId: 'u_1' }, 600);

    expect(await codes.find(code)).toMatchObject({ jti: code, grantId: 'g1' });
    expect(await sessions.findByUid('uid-1')).toMatchObject({ jti: sid, accountId: 'u_1' });
    // Without the seal key (another key) the index does not give the session away.
    expect(
      await new TenantStoreOidcAdapter('Session', store, randomBytes(32)).findByUid('uid-1'),
    ).toBeUndefined();
    expect(await codes.find('another')).toBeUndefined();

    await codes.consume(code);
    expect((await codes.find(code))?.consumed).toEqual(expect.any(Number));

    const stored = await rowsOf(store, ['AuthorizationCode', 'RefreshToken', 'Session', 'Session:uid']);
    expect(stored).not.toContain(code);
    expect(stored).not.toContain(rt);
    expect(stored).not.toContain(sid);

    // Revoking the grant removes its code and refresh token, not the session.
    await refresh.revokeByGrantId('g1');
    expect(await codes.find(code)).toBeUndefined();
    expect(await refresh.find(rt)).toBeUndefined();
    expect(await sessions.find(sid)).toBeDefined();

    // Entries expire with the lifetime the provider gives.
    now = new Date(now.getTime() + 601_000);
    expect(await sessions.find(sid)).toBeUndefined();
    await sessions.destroy(sid);
  });

  it('a grant saved before the per-person index is indexed by backfill, listed and revoked with its tokens', async () => {
    const store = new MemoryTenantStore('acme');
    const key = randomBytes(32);
    const rt = 'refresh-secret-legacy-0123456789';
    // As an older cerebro wrote it: the Grant row and its refresh token, no account index row.
    await store.collection(OAUTH_RECORDS).put(
      'Grant',
      createHash('sha256').update('g-legacy').digest('hex'),
      {
        payload: {
          accountId: 'u_9',
          clientId: 'c1',
          resources: { 'http://e/mcp': 'mcp' },
          iat: 1_800_000_000,
        },
      },
      { ttlSeconds: 3600 },
    );
    await new TenantStoreOidcAdapter('RefreshToken', store, key).upsert(
      rt,
      { jti: rt, grantId: 'g-legacy', accountId: 'u_9' },
      3600,
    );
    const connections = new OAuthConnections(store);
    expect(await connections.of('u_9')).toEqual([]);
    expect(await connections.backfill()).toBe(1);
    expect(await connections.backfill()).toBe(0);
    const [c] = await connections.of('u_9');
    expect(c).toMatchObject({ clientId: 'c1', resources: ['http://e/mcp'] });
    expect(await connections.revokeAll('u_9')).toBe(1);
    expect(await new TenantStoreOidcAdapter('RefreshToken', store, key).find(rt)).toBeUndefined();
    expect(await connections.all()).toEqual([]);
  });

  it('registers public clients only, and a registered client survives an app restart on the same store', async () => {
    const first = await startCerebro();
    const register = (body: Record<string, unknown>) =>
      fetch(`${first.url}/oauth/reg`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ redirect_uris: ['http://127.0.0.1:1/callback'], ...body }),
      });
    const confidential = await register({ token_endpoint_auth_method: 'client_secret_post' });
    expect(confidential.status).toBe(400);
    expect(((await confidential.json()) as { error: string }).error).toBe('invalid_client_metadata');
    const ok = await register({ token_endpoint_auth_method: 'none', client_name: 'Inspector' });
    expect(ok.status).toBe(201);
    const { client_id, client_secret } = (await ok.json()) as { client_id: string; client_secret?: string };
    expect(client_secret).toBeUndefined();

    // A second app on the same tenant store (a restart, or another replica) knows the client.
    const { createCerebroApp } = await import('../../src/app.factory.js');
    const again = await createCerebroApp({ ...first.booted.deps, metrics: createRegistry('cerebro') });
    const server = again.express.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as { port: number }).port;
    const known = await fetch(
      `http://127.0.0.1:${port}/oauth/auth?${new URLSearchParams({
        client_id,
        response_type: 'code',
        redirect_uri: 'http://127.0.0.1:1/callback',
      })}`,
      { redirect: 'manual' },
    );
    // Known client: the error (no PKCE) goes back to its redirect URI, not to an error page.
    expect(known.status).toBe(303);
    expect(known.headers.get('location')).toMatch(
      /^http:\/\/127\.0\.0\.1:1\/callback\?error=invalid_request/,
    );
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await again.close();
    await first.stop();
  });
});
