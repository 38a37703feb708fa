/**
 * An external MCP client (the official SDK client with its OAuth client provider, the way VS Code
 * or the MCP Inspector connect) against two real engine processes and a real cerebro:
 * it finds cerebro from the engine's 401 + RFC 9728 metadata, registers itself (RFC 7591), the
 * person allows it on cerebro's consent page (driven here over HTTP with their signed-in session
 * cookie), it exchanges the code with PKCE and calls tools as that person — the gate decides.
 * Then what must fail: a token for engine A at engine B, no PKCE, a wrong verifier, a reused
 * refresh token. Last, the credential cascade through the hub: the payments plugin charges with
 * the person's own key, else their group's, else the org's, and each Stripe account sees it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Client,
  StreamableHTTPClientTransport,
  type OAuthClientProvider,
} from '@modelcontextprotocol/client';
import { decodeJwt } from 'jose';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTenantStore, type TenantStore } from '@cw/tenant-store';
import { openVault, type VaultBackend } from '@cw/vault';
import { eventually, startProcess, type PlatformProcess } from '@cw/testing/processes';
import { startScriptedLlmServer, type ScriptedLlmServer } from '@cw/testing/llm';
import { startStripeServer, type StripeTestServer } from '@cw/testing/stripe';
import { unusedPort } from '@cw/testing/oidc';
import { userIdOf } from '../../src/deps.js';
import { startCerebro, type CerebroHarness, type TestClient } from '../support/cerebro.harness.js';

type Stored = Parameters<OAuthClientProvider['saveTokens']>[0];
type ClientInfo = Parameters<NonNullable<OAuthClientProvider['saveClientInformation']>>[0];

/** What an MCP client keeps between the redirect and the callback, in memory. */
class TestOAuthProvider implements OAuthClientProvider {
  authorizationUrl: URL | undefined;
  private info: ClientInfo | undefined;
  private saved: Stored | undefined;
  private verifier = '';
  private discovery: unknown;
  private readonly stateValue = randomBytes(16).toString('base64url');

  constructor(readonly redirectUrl: string) {}

  get clientMetadata() {
    return {
      client_name: 'Test MCP client',
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  state() {
    return this.stateValue;
  }
  clientInformation() {
    return this.info;
  }
  saveClientInformation(info: ClientInfo) {
    this.info = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: Stored) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(v: string) {
    this.verifier = v;
  }
  codeVerifier() {
    return this.verifier;
  }
  saveDiscoveryState(state: unknown) {
    this.discovery = state;
  }
  discoveryState() {
    return this.discovery as never;
  }
}

interface EngineUnderTest {
  name: string;
  mcpUrl: string;
  dashUrl: string;
  process: PlatformProcess;
}

describe('external MCP client over OAuth 2.1 + PKCE, as the person, through the gate', () => {
  const schema = `ext_client_${randomBytes(4).toString('hex')}`;
  const stripes: Record<'user' | 'group' | 'org', StripeTestServer> = {} as never;
  let dispatcher: Server;
  let llm: ScriptedLlmServer;
  let store: TenantStore;
  let vault: VaultBackend;
  let cerebro: CerebroHarness;
  let dir: string;
  const engines: EngineUnderTest[] = [];
  const redirectUrl = 'http://127.0.0.1:1/callback';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ext-client-'));
    await writeFile(join(dir, 'salt'), 'tenant-salt-for-tests');
    // Three Stripe accounts (one key each) behind one address, routed by the key like Stripe
    // routes by account: which server sees a charge tells which credential the plugin used.
    for (const level of ['user', 'group', 'org'] as const)
      stripes[level] = await startStripeServer({
        secretKey: `sk_test_${level}_${randomBytes(6).toString('hex')}`,
      });
    dispatcher = createServer((req, res) => {
      const target = Object.values(stripes).find(
        (s) => req.headers.authorization === `Bearer ${s.secretKey}`,
      );
      if (!target) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ error: { type: 'invalid_request_error', message: 'Invalid API Key provided.' } }),
        );
        return;
      }
      const upstream = httpRequest(
        { host: '127.0.0.1', port: target.port, path: req.url, method: req.method, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    await new Promise<void>((r) => dispatcher.listen(0, '127.0.0.1', r));
    const dispatcherPort = (dispatcher.address() as { port: number }).port;
    llm = await startScriptedLlmServer();

    const ports = new Set<number>();
    while (ports.size < 5) ports.add(await unusedPort());
    const [cerebroPort, ...enginePorts] = [...ports] as [number, number, number, number, number];
    const cerebroUrl = `http://127.0.0.1:${cerebroPort}`;
    await writeFile(join(dir, 'db-url'), 'postgres://postgres@127.0.0.1:5432/test');
    await writeFile(join(dir, 'master-key'), randomBytes(32).toString('base64'));
    const storeConfig = { kind: 'postgres' as const, urlFile: join(dir, 'db-url'), schema };
    const vaultConfig = { kind: 'local' as const, masterKeyFile: join(dir, 'master-key') };
    store = await openTenantStore(storeConfig, { tenant: 'acme' });
    await store.init();
    vault = await openVault(vaultConfig, { tenant: 'acme', store });

    for (const [i, name] of ['main', 'other'].entries()) {
      const mcpPort = enginePorts[i * 2]!;
      const dashPort = enginePorts[i * 2 + 1]!;
      const mcpUrl = `http://127.0.0.1:${mcpPort}/mcp`;
      const file = join(dir, `${name}.json`);
      await writeFile(
        file,
        JSON.stringify({
          tenant: 'acme',
          engine: name,
          plugins: ['payments'],
          pluginConfig: { payments: { apiBase: `http://127.0.0.1:${dispatcherPort}` } },
          readOnly: false,
          maintenance: false,
          auditLog: true,
          ports: { dashboard: dashPort, mcp: mcpPort },
          listenHost: '127.0.0.1',
          auth: { issuer: cerebroUrl, jwksUrl: `${cerebroUrl}/.well-known/jwks.json`, resource: mcpUrl },
          store: storeConfig,
          vault: vaultConfig,
          saltFile: join(dir, 'salt'),
          allowedHosts: ['127.0.0.1'],
          outbound: { allowHosts: [`127.0.0.1:${dispatcherPort}`] },
        }),
      );
      engines.push({
        name,
        mcpUrl,
        dashUrl: `http://127.0.0.1:${dashPort}`,
        process: startProcess('mcp-engine', { CW_CONFIG_FILE: file }, { echo: 'stderr' }),
      });
    }
    for (const e of engines)
      await eventually(
        async () => {
          if (!e.process.alive())
            throw new Error(`engine ${e.name} exited:\n${e.process.output().slice(-2000)}`);
          return (await fetch(`${e.dashUrl}/readyz`).catch(() => undefined))?.ok;
        },
        `engine ${e.name} to be ready`,
        120_000,
      );
    cerebro = await startCerebro(
      {
        engines: engines.map((e) => ({
          name: e.name,
          mcpUrl: e.mcpUrl,
          dashboardUrl: e.dashUrl,
          plugins: ['payments'],
        })),
        llm: { kind: 'openai-compatible', baseUrl: llm.baseUrl, model: 'scripted' },
      },
      { port: cerebroPort },
    );
  }, 240_000);

  afterAll(async () => {
    await cerebro?.stop();
    for (const e of engines) await e.process.stop();
    await store?.close();
    const db = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
    await db.connect();
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await db.end();
    await llm?.close();
    await new Promise((r) => dispatcher?.close(r));
    for (const s of Object.values(stripes)) await s?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const engine = (name: string) => engines.find((e) => e.name === name)!;

  /** The browser leg: the authorization URL, cerebro's consent page, Allow → the client's redirect. */
  async function consent(browser: TestClient, authorizationUrl: URL, decision = 'allow'): Promise<URL> {
    const asked = await browser.get(authorizationUrl.href);
    expect(asked.status).toBe(303);
    expect(asked.location).toMatch(/^\/connect\//);
    const page = await browser.get(asked.location!);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Test MCP client');
    const decided = await browser.post(asked.location!, { decision });
    expect(decided.status).toBe(303);
    const resumed = await browser.get(decided.location!);
    expect(resumed.status).toBe(303);
    return new URL(resumed.location!);
  }

  /** Connects the SDK client to an engine as the person signed in on `browser`. */
  async function connectAs(browser: TestClient, engineName: string) {
    const provider = new TestOAuthProvider(redirectUrl);
    const url = new URL(engine(engineName).mcpUrl);
    const first = new StreamableHTTPClientTransport(url, { authProvider: provider });
    await expect(new Client({ name: 'ext', version: '1.0.0' }).connect(first)).rejects.toThrow();
    expect(provider.authorizationUrl, 'the client was sent to cerebro to authorize').toBeDefined();
    const callback = await consent(browser, provider.authorizationUrl!);
    expect(callback.origin + callback.pathname).toBe(redirectUrl);
    await first.finishAuth(callback.searchParams);
    const client = new Client({ name: 'ext', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(url, { authProvider: provider }));
    return { client, provider, authorizationUrl: provider.authorizationUrl! };
  }

  const text = (r: { content?: unknown }) =>
    ((r.content ?? []) as { type: string; text?: string }[]).map((c) => c.text ?? '').join('\n');

  it('discovers cerebro from the engine, registers, gets consent, and calls a tool as the person (a viewer)', async () => {
    const viewer = await cerebro.signedIn('vera@acme.test', 'viewer');
    const { client, provider, authorizationUrl } = await connectAs(viewer, 'main');
    // PKCE S256 and the engine as resource were asked for.
    expect(authorizationUrl.origin).toBe(cerebro.url);
    expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizationUrl.searchParams.get('resource')).toBe(engine('main').mcpUrl);
    const token = provider.tokens()!;
    expect(token.refresh_token).toBeTruthy();
    const claims = decodeJwt(token.access_token);
    expect(claims).toMatchObject({
      iss: cerebro.url,
      aud: engine('main').mcpUrl,
      sub: userIdOf('acme', 'vera@acme.test'),
      roles: ['viewer'],
      tenant: 'acme',
    });
    expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(300);

    const tools = (await client.listTools()).tools.map((t) => t.name);
    expect(tools).toContain('payments.balance');
    expect(tools).not.toContain('payments.charge');
    await vault.put(
      { plugin: 'payments', name: 'api_key', scope: { level: 'org' } },
      stripes.org.secretKey,
      'setup',
    );
    const balance = await client.callTool({ name: 'payments.balance', arguments: {} });
    expect(balance.isError ?? false).toBe(false);
    // The gate applies: a viewer's write is refused, whatever the client sends.
    const charge = await client.callTool({
      name: 'payments.charge',
      arguments: { amount: 5, currency: 'eur', _user_role: 'manager' },
    });
    expect(text(charge)).toMatch(/^refused\b/i);
    expect(Object.values(stripes).every((s) => s.payments.intents.size === 0)).toBe(true);
    await client.close();
  });

  it('a token for engine A is refused by engine B (audience)', async () => {
    const dev = await cerebro.signedIn('dora@acme.test', 'developer');
    const { client, provider } = await connectAs(dev, 'main');
    await client.close();
    const tokenForMain = provider.tokens()!.access_token;
    const atOther = await fetch(engine('other').mcpUrl, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${tokenForMain}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(atOther.status).toBe(401);
    expect(atOther.headers.get('www-authenticate')).toMatch(/invalid_token.*aud/);
    // The authorization server issues only for this tenant's engines.
    const other = await fetch(`${cerebro.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: provider.tokens()!.refresh_token!,
        client_id: provider.clientInformation()!.client_id,
        resource: 'http://127.0.0.1:1/mcp',
      }),
    });
    expect(other.status).toBe(400);
    expect(((await other.json()) as { error: string }).error).toBe('invalid_target');
  });

  it('refresh tokens rotate; a reused one is refused', async () => {
    const dev = await cerebro.signedIn('ralf@acme.test', 'developer');
    const { client, provider } = await connectAs(dev, 'other');
    await client.close();
    const refresh = (rt: string) =>
      fetch(`${cerebro.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: rt,
          client_id: provider.clientInformation()!.client_id,
          resource: engine('other').mcpUrl,
        }),
      });
    const first = provider.tokens()!.refresh_token!;
    const rotated = await refresh(first);
    expect(rotated.status).toBe(200);
    const body = (await rotated.json()) as { access_token: string; refresh_token: string };
    expect(body.refresh_token).not.toBe(first);
    expect(decodeJwt(body.access_token).aud).toBe(engine('other').mcpUrl);
    expect((await refresh(first)).status).toBe(400);
  });

  it('without PKCE, or with a wrong verifier, there is no token', async () => {
    const viewer = await cerebro.signedIn('pia@acme.test', 'viewer');
    const reg = await fetch(`${cerebro.url}/oauth/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: 'Test MCP client',
        redirect_uris: [redirectUrl],
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'],
      }),
    });
    expect(reg.status).toBe(201);
    const { client_id } = (await reg.json()) as { client_id: string };
    const authorize = (extra: Record<string, string>) =>
      new URL(
        `/oauth/auth?${new URLSearchParams({
          client_id,
          response_type: 'code',
          redirect_uri: redirectUrl,
          resource: engine('main').mcpUrl,
          state: 's1',
          ...extra,
        })}`,
        cerebro.url,
      );
    // No code_challenge: refused before any consent, back to the client with an error.
    const noPkce = await viewer.get(authorize({}).href);
    expect(noPkce.status).toBe(303);
    const back = new URL(noPkce.location!);
    expect(back.searchParams.get('error')).toBe('invalid_request');
    expect(back.searchParams.get('error_description')).toMatch(/PKCE/);
    // A plain challenge is not accepted either.
    const plain = await viewer.get(
      authorize({ code_challenge: 'x'.repeat(43), code_challenge_method: 'plain' }).href,
    );
    expect(new URL(plain.location!).searchParams.get('error')).toBe('invalid_request');

    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const callback = await consent(
      viewer,
      authorize({ code_challenge: challenge, code_challenge_method: 'S256' }),
    );
    const code = callback.searchParams.get('code')!;
    const exchange = (codeVerifier?: string) =>
      fetch(`${cerebro.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          client_id,
          redirect_uri: redirectUrl,
          resource: engine('main').mcpUrl,
          ...(codeVerifier ? { code_verifier: codeVerifier } : {}),
        }),
      });
    const missing = await exchange();
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: string }).error).toBe('invalid_grant');
    const wrong = await exchange(randomBytes(32).toString('base64url'));
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it('declining on the consent page gives the client no code', async () => {
    const viewer = await cerebro.signedIn('dan@acme.test', 'viewer');
    const provider = new TestOAuthProvider(redirectUrl);
    const transport = new StreamableHTTPClientTransport(new URL(engine('main').mcpUrl), {
      authProvider: provider,
    });
    await expect(new Client({ name: 'ext', version: '1.0.0' }).connect(transport)).rejects.toThrow();
    const callback = await consent(viewer, provider.authorizationUrl!, 'deny');
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('code')).toBeNull();
  });

  it('without a cerebro session the consent page asks to sign in first', async () => {
    const provider = new TestOAuthProvider(redirectUrl);
    const transport = new StreamableHTTPClientTransport(new URL(engine('main').mcpUrl), {
      authProvider: provider,
    });
    await expect(new Client({ name: 'ext', version: '1.0.0' }).connect(transport)).rejects.toThrow();
    const anonymous = cerebro.client();
    const asked = await anonymous.get(provider.authorizationUrl!.href);
    const page = await anonymous.get(asked.location!);
    expect(page.text).toContain('Sign in to connect');
    expect(page.text).toContain(`/sign-in?next=${encodeURIComponent(asked.location!)}`);
    // Posting a decision without a session is refused by cerebro's guard.
    expect((await anonymous.post(asked.location!, { decision: 'allow' })).status).toBe(401);
  });

  it('credentials resolve as the person through the hub: own key, else the group’s, else the org’s', async () => {
    const own = await cerebro.signedIn('uma@acme.test', 'developer');
    const created = await own.post('/groups', { name: 'Finance', description: 'pays the bills' });
    expect(created.status).toBe(303);
    const groupId = created.location!.split('/').pop()!;
    await own.get(created.location!);
    expect((await own.post(`/groups/${groupId}/invite`, { email: 'gus@acme.test' })).status).toBe(303);
    const member = await cerebro.signedIn('gus@acme.test', 'developer'); // accepts the invitation
    const outsider = await cerebro.signedIn('ola@acme.test', 'developer');
    await vault.put(
      {
        plugin: 'payments',
        name: 'api_key',
        scope: { level: 'user', userId: userIdOf('acme', 'uma@acme.test') },
      },
      stripes.user.secretKey,
      'setup',
    );
    await vault.put(
      { plugin: 'payments', name: 'api_key', scope: { level: 'group', groupId } },
      stripes.group.secretKey,
      'setup',
    );
    await vault.put(
      { plugin: 'payments', name: 'api_key', scope: { level: 'org' } },
      stripes.org.secretKey,
      'setup',
    );

    const charge = async (who: TestClient) => {
      llm.script([
        { toolCalls: [{ name: 'main__payments_charge', arguments: '{"amount":5,"currency":"eur"}' }] },
        { text: 'Charged.' },
      ]);
      const conv = await who.post('/chat', { message: 'Charge 5 EUR' });
      expect(conv.status).toBe(303);
      const page = await who.get(conv.location!);
      expect(page.text).toMatch(/main__payments_charge<\/code>: <strong>done/);
    };
    const counts = () =>
      Object.fromEntries(Object.entries(stripes).map(([k, s]) => [k, s.payments.intents.size]));
    await charge(own);
    expect(counts()).toEqual({ user: 1, group: 0, org: 0 });
    await charge(member);
    expect(counts()).toEqual({ user: 1, group: 1, org: 0 });
    await charge(outsider);
    expect(counts()).toEqual({ user: 1, group: 1, org: 1 });
    // The model never received any of the keys.
    for (const raw of llm.rawBodies)
      for (const s of Object.values(stripes)) expect(raw).not.toContain(s.secretKey);
  });
});
