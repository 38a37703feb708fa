/**
 * The engine as an OAuth 2.1 resource server: only short-lived asymmetric tokens from the
 * tenant's cerebro, for this engine, reach the gate; everything else is a 401 with a
 * WWW-Authenticate challenge pointing at the RFC 9728 metadata. Sessions belong to the subject
 * that opened them; the Host header is checked (DNS rebinding).
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCE, startHarness, USERS, type Harness } from './support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const initialize = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

async function post(
  token: string | undefined,
  body: unknown = initialize,
  headers: Record<string, string> = {},
) {
  return fetch(h.engine.mcpUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

describe('bearer tokens', () => {
  it('accepts a valid token', async () => {
    const res = await post(await h.token(USERS.viewer));
    expect(res.status).toBe(200);
    expect(res.headers.get('mcp-session-id')).toBeTruthy();
  });

  const bad: Array<[string, () => Promise<string | undefined>]> = [
    ['no token', async () => undefined],
    ['garbage', async () => 'not-a-jwt'],
    ['forged (signed by another key)', () => h.token(USERS.manager, { foreignKey: true })],
    ['expired', () => h.token(USERS.manager, { exp: -60, iat: -120, nbf: -120 })],
    ['not yet valid (nbf)', () => h.token(USERS.manager, { nbf: 120 })],
    ['wrong audience', () => h.token(USERS.manager, { aud: 'http://engine-other.tenant-acme.svc:5001/mcp' })],
    ['wrong issuer', () => h.token(USERS.manager, { iss: 'https://evil.example.com' })],
    ['another tenant', () => h.token(USERS.manager, { tenant: 'globex' })],
    ['lifetime over 5 minutes', () => h.token(USERS.manager, { exp: 3600 })],
    ['without nbf', () => h.token(USERS.manager, { omit: ['nbf'] })],
    ['alg none', async () => h.issuer.unsigned(USERS.manager)],
    ['HS256 with the public key as secret', () => h.issuer.hmac(USERS.manager)],
  ];
  for (const [name, make] of bad) {
    it(`refuses ${name} with 401 and a WWW-Authenticate challenge`, async () => {
      const res = await post(await make());
      expect(res.status).toBe(401);
      const challenge = res.headers.get('www-authenticate') ?? '';
      expect(challenge).toMatch(/^Bearer /);
      expect(challenge).toContain(
        'resource_metadata="http://engine-main.tenant-acme.svc:5001/.well-known/oauth-protected-resource/mcp"',
      );
    });
  }

  it('publishes RFC 9728 metadata naming cerebro as the authorization server', async () => {
    const base = new URL(h.engine.mcpUrl).origin;
    for (const path of [
      '/.well-known/oauth-protected-resource',
      '/.well-known/oauth-protected-resource/mcp',
    ]) {
      const meta = (await (await fetch(`${base}${path}`)).json()) as Record<string, unknown>;
      expect(meta).toMatchObject({ resource: RESOURCE, authorization_servers: [h.issuer.issuer] });
    }
  });

  it('refuses a Host the engine does not answer to (DNS rebinding)', async () => {
    // fetch() always sends the URL's host; node:http lets the test send a rebinding attacker's.
    const token = await h.token(USERS.viewer);
    const status = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const url = new URL(h.engine.mcpUrl);
        const req = request(
          {
            host: url.hostname,
            port: url.port,
            path: url.pathname,
            method: 'POST',
            headers: {
              host,
              authorization: `Bearer ${token}`,
              'content-type': 'application/json',
              accept: 'application/json, text/event-stream',
            },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify(initialize));
      });
    expect(await status('attacker.example.com')).toBe(403);
    expect(await status(`127.0.0.1:${new URL(h.engine.mcpUrl).port}`)).toBe(200);
  });

  it('a session is bound to the subject that opened it', async () => {
    const open = await post(await h.token(USERS.viewer));
    const sid = open.headers.get('mcp-session-id')!;
    const list = { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} };
    const headers = { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' };
    const own = await post(await h.token(USERS.viewer), list, headers);
    expect(own.status).toBe(200);
    const other = await post(await h.token(USERS.manager), list, headers);
    expect(other.status).toBe(404);
  });

  it('refuses an oversized request body with 413 before parsing it', async () => {
    const res = await post(await h.token(USERS.viewer), { ...initialize, pad: 'x'.repeat(1_100_000) });
    expect(res.status).toBe(413);
  });

  it('the approvals API needs a manager token', async () => {
    const url = h.engine.mcpUrl.replace(/\/mcp$/, '/approvals');
    expect((await fetch(url)).status).toBe(401);
    const viewer = await fetch(url, { headers: { authorization: `Bearer ${await h.token(USERS.viewer)}` } });
    expect(viewer.status).toBe(403);
    const manager = await fetch(url, {
      headers: { authorization: `Bearer ${await h.token(USERS.manager)}` },
    });
    expect(manager.status).toBe(200);
  });
});
