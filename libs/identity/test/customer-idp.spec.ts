// "Connect your identity provider": a real provider passes; broken ones get problems a customer
// admin can act on, and nothing secret reaches the log.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@cw/observability';
import {
  startFakeIssuer,
  startOidcProvider,
  unusedPort,
  type FakeIssuerReply,
  type TestOidcProvider,
} from '@cw/testing/oidc';
import { createGuardedFetch } from '@cw/outbound';
import { unreachableIssuerProblem, validateCustomerIdp, type CustomerIdpInput } from '../src/index.js';

let op: TestOidcProvider;
let discoveryDocument: Record<string, unknown>;
const stops: Array<() => Promise<void>> = [];

beforeAll(async () => {
  op = await startOidcProvider();
  discoveryDocument = (await (await fetch(`${op.issuer}/.well-known/openid-configuration`)).json()) as Record<
    string,
    unknown
  >;
});
afterAll(async () => {
  await Promise.all(stops.map((stop) => stop()));
  await op.stop();
});

const check = (input: CustomerIdpInput, timeoutMs = 2_000) =>
  validateCustomerIdp(input, { allowInsecureRequests: true, timeoutMs });

/** A fake IdP whose discovery document is the real one changed by `edit` (issuer = the fake). */
async function fakeWith(
  edit: (doc: Record<string, unknown>) => Record<string, unknown> | FakeIssuerReply,
): Promise<string> {
  const fake = await startFakeIssuer((path, url) => {
    if (path !== '/.well-known/openid-configuration') return { json: { error: 'not found' }, status: 404 };
    const edited = edit({ ...discoveryDocument, issuer: url });
    return edited === 'hang' || 'json' in edited || 'body' in edited
      ? (edited as FakeIssuerReply)
      : { json: edited };
  });
  stops.push(() => fake.stop());
  return fake.url;
}

describe('validateCustomerIdp', () => {
  it('accepts a working OpenID Connect provider', async () => {
    const result = await check({ issuer: op.issuer, clientId: 'cerebro' });
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.metadata?.issuer).toBe(op.issuer);
    expect(result.metadata?.token_endpoint).toBe(`${op.issuer}/token`);
  });

  it('explains an issuer mismatch with both URLs', async () => {
    const url = await fakeWith((doc) => ({ ...doc, issuer: op.issuer }));
    const result = await check({ issuer: url, clientId: 'cerebro' });
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([
      `The issuer in the discovery document (${op.issuer}) does not match the URL you entered (${url}).`,
    ]);
  });

  it('names missing endpoints', async () => {
    const url = await fakeWith(({ token_endpoint: _t, authorization_endpoint: _a, ...doc }) => doc);
    const result = await check({ issuer: url, clientId: 'cerebro' });
    expect(result.ok).toBe(false);
    expect(result.problems).toContain('No token endpoint: sign-ins could not be completed.');
    expect(result.problems).toContain('No authorization endpoint: users could not be sent to sign in.');
  });

  it('refuses a provider that only signs with HS256', async () => {
    const url = await fakeWith((doc) => ({ ...doc, id_token_signing_alg_values_supported: ['HS256'] }));
    const result = await check({ issuer: url, clientId: 'cerebro' });
    expect(result.problems).toEqual(['No supported signing algorithm: the provider offers HS256 only.']);
  });

  it('says when nothing answers at the issuer', async () => {
    const issuer = `http://127.0.0.1:${await unusedPort()}`;
    const result = await check({ issuer, clientId: 'cerebro' });
    expect(result.ok).toBe(false);
    expect(result.metadata).toBeNull();
    expect(result.problems).toEqual([
      `Could not read ${issuer}/.well-known/openid-configuration: nothing answers at that address (connection refused). Check the issuer URL.`,
    ]);
  });

  it('says when the provider is too slow', async () => {
    const url = await fakeWith(() => 'hang');
    const result = await check({ issuer: url, clientId: 'cerebro' }, 300);
    expect(result.problems).toEqual([
      `Could not read ${url}/.well-known/openid-configuration: no answer within 0.3 seconds. Check the issuer URL.`,
    ]);
  });

  it('says when the answer is not JSON or not a document at all', async () => {
    const html = await fakeWith(() => ({ body: '<html>Sign in</html>', contentType: 'text/html' }));
    expect((await check({ issuer: html, clientId: 'cerebro' })).problems).toEqual([
      `${html}/.well-known/openid-configuration did not return valid JSON, so it is not an OpenID Connect discovery document.`,
    ]);
    const broken = await fakeWith(() => ({ body: '{"issuer": ', contentType: 'application/json' }));
    expect((await check({ issuer: broken, clientId: 'cerebro' })).problems[0]).toMatch(
      /did not return valid JSON/,
    );
    const missing = await fakeWith(() => ({ json: { error: 'no such tenant' }, status: 404 }));
    expect((await check({ issuer: missing, clientId: 'cerebro' })).problems).toEqual([
      `${missing}/.well-known/openid-configuration answered HTTP 404 instead of a discovery document. Check the issuer URL.`,
    ]);
  });

  it('wants https and a client id', async () => {
    const result = await validateCustomerIdp({ issuer: op.issuer, clientId: ' ' });
    expect(result.problems).toEqual([
      'The client id is empty: copy it from the application you registered at your identity provider.',
      `The issuer must be an https URL; you entered ${op.issuer}.`,
    ]);
    expect((await validateCustomerIdp({ issuer: 'login.example.com', clientId: 'x' })).problems[0]).toMatch(
      /is not a URL/,
    );
  });

  it('never writes a client secret handed along by a caller into the log', async () => {
    let logged = '';
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logged += chunk.toString();
        done();
      },
    });
    const logger = createLogger({ name: 'identity-test', level: 'debug', destination });
    const secret = 'super-secret-client-secret-value';
    const input = { issuer: op.issuer, clientId: 'cerebro', clientSecret: secret } as CustomerIdpInput;
    const result = await validateCustomerIdp(input, { allowInsecureRequests: true, logger });
    logger.flush();
    expect(result.ok).toBe(true);
    expect(logged).toContain('customer identity provider checked');
    expect(logged).not.toContain(secret);
    expect(JSON.stringify(result)).not.toContain(secret);
  });
});

describe('validateCustomerIdp through the outbound guard', () => {
  const hostOf = (url: string) => new URL(url).host;
  const guarded = (allow: string[], timeoutMs = 2_000) =>
    createGuardedFetch({ allowHosts: allow, timeoutMs });

  it('still accepts a working provider the guard lets through', async () => {
    const result = await validateCustomerIdp(
      { issuer: op.issuer, clientId: 'cerebro' },
      { allowInsecureRequests: true, fetch: guarded([hostOf(op.issuer)]) },
    );
    expect(result.problems).toEqual([]);
  });

  it('answers one way for every unreachable case: internal address, closed port, timeout', async () => {
    const hang = await fakeWith(() => 'hang');
    const closed = `http://127.0.0.1:${await unusedPort()}`;
    const cases: Array<[issuer: string, allow: string[]]> = [
      [op.issuer, []], // loopback, not an exception: refused before connecting
      ['http://169.254.169.254/latest', []],
      ['http://10.20.30.40:5432', []],
      ['http://[::ffff:127.0.0.1]:6379', []],
      ['http://0x7f000001:6379', []],
      [closed, [hostOf(closed)]], // allowed, nothing listening
      [hang, [hostOf(hang)]], // allowed, never answers
    ];
    for (const [issuer, allow] of cases) {
      const result = await validateCustomerIdp(
        { issuer, clientId: 'cerebro' },
        { allowInsecureRequests: true, timeoutMs: 300, fetch: guarded(allow, 300) },
      );
      const discovery = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
      expect({ issuer, problems: result.problems }).toEqual({
        issuer,
        problems: [unreachableIssuerProblem(discovery)],
      });
    }
  });

  it('a discovery document pointing its keys at an internal address gets the same answer for the keys', async () => {
    const url = await fakeWith((doc) => ({ ...doc, jwks_uri: 'http://127.0.0.1:6379/keys' }));
    const result = await validateCustomerIdp(
      { issuer: url, clientId: 'cerebro' },
      { allowInsecureRequests: true, timeoutMs: 1_000, fetch: guarded([hostOf(url)]) },
    );
    expect(result.problems).toEqual([unreachableIssuerProblem('http://127.0.0.1:6379/keys')]);
  });
});
