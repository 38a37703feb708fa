// "Connect your identity provider" from the customer's status area: problems in plain words next
// to the fields, checked by validateCustomerIdp against real HTTP servers; on success the client
// secret is in the tenant's vault (encrypted) and nowhere else — not in any database row, the Tenant
// spec or a log line — spec.identity names it by key, and a re-sync run re-applies the Tenant.
import { join } from 'node:path';
import pg from 'pg';
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TenantRecord } from '@cw/db';
import { TEST_DATABASE_URL } from '@cw/db/testing';
import { IDP_CLIENT_SECRET_KEY, SESSION_COOKIE, encodeSession, magicLinkSession } from '@cw/control-plane';
import { startFakeIssuer, type FakeIssuer } from '@cw/testing/oidc';
import { PostgresTenantStore, pgPoolClient } from '@cw/tenant-store';
import { openVault, type LocalVaultBackend } from '@cw/vault';
import { createGuardedFetch } from '@cw/outbound';
import { unreachableIssuerProblem } from '@cw/identity';
import { startAdminHarness, type AdminHarness, type Reply } from './support/admin-harness.js';

// The customer's IdP must be https (the Tenant schema says so). The fake one listens on plain
// loopback HTTP; the app's outbound fetch is pointed at it for this one host name, like a
// hosts-file entry, and still goes through the guard.
const IDP = 'https://idp.example.test';
const SECRET = 'cw-test-client-secret-Zx81!q';
let h: AdminHarness;
let idp: FakeIssuer;
let brokenIdp: FakeIssuer;

beforeAll(async () => {
  const { publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', use: 'sig', alg: 'RS256' };
  idp = await startFakeIssuer((path) => {
    const issuer = `${IDP}/${path.split('/')[1]}`;
    if (path.endsWith('/.well-known/openid-configuration')) {
      const claimed = path.startsWith('/wrong-issuer/') ? `${IDP}/somebody-else` : issuer;
      return {
        json: {
          issuer: claimed,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          jwks_uri: `${issuer}/jwks`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
          code_challenge_methods_supported: ['S256'],
        },
      };
    }
    if (path.endsWith('/jwks')) return { json: { keys: [jwk] } };
    return { json: { error: 'not found' }, status: 404 };
  });
  brokenIdp = await startFakeIssuer(() => ({ body: '<html>login here</html>', contentType: 'text/html' }));
  // Only the fake IdP's own host:port is an exception to the guard; everything else a customer
  // types (loopback, private, metadata) meets the real guard.
  const guarded = createGuardedFetch({ allowHosts: [new URL(idp.url).host], timeoutMs: 2_000 });
  const outboundFetch = ((input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    return guarded(url.startsWith(IDP) ? url.replace(IDP, idp.url) : url, init);
  }) as typeof fetch;
  h = await startAdminHarness('customeridp', { outboundFetch });
});
afterAll(async () => {
  await h?.close();
  await idp?.stop();
  await brokenIdp?.stop();
});

/** A browser of the customer: their session cookie plus the CSRF cookie the page sets. */
class Customer {
  private readonly cookies = new Map<string, string>();
  csrf = '';
  constructor(tenant: TenantRecord) {
    this.cookies.set(
      SESSION_COOKIE,
      encodeSession(h.ctx.keys, magicLinkSession(tenant.adminEmail!, [tenant.id]), 3_600_000),
    );
  }
  private async send(
    method: string,
    path: string,
    body?: string,
    headers: Record<string, string> = {},
  ): Promise<Reply> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await fetch(`${h.url}${path}`, {
      method,
      body,
      redirect: 'manual',
      headers: { cookie, ...headers },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, json: <T>() => JSON.parse(text) as T };
  }
  async open(): Promise<Reply> {
    const page = await this.send('GET', '/status/identity', undefined, { accept: 'text/html' });
    this.csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
    return page;
  }
  submit(fields: Record<string, string>): Promise<Reply> {
    return this.send(
      'POST',
      '/status/identity',
      new URLSearchParams({ _csrf: this.csrf, ...fields }).toString(),
      { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    );
  }
  submitJson(fields: Record<string, string>): Promise<Reply> {
    return this.send('POST', '/status/identity', JSON.stringify(fields), {
      'content-type': 'application/json',
      accept: 'application/json',
      'x-csrf-token': this.csrf,
    });
  }
}

/** The text of the error block tied to a field (aria-describedby target). */
const fieldError = (page: string, field: string): string =>
  (new RegExp(`<div id="${field}-error">(.*?)</div>`, 's').exec(page)?.[1] ?? '').replace(/<[^>]+>/g, '');

describe('connect your identity provider', () => {
  let tenant: TenantRecord;
  let customer: Customer;

  beforeAll(async () => {
    tenant = await h.seedTenant({ state: 'active' });
    customer = new Customer(tenant);
  });

  it('asks for a sign-in without a session', async () => {
    const reply = await fetch(`${h.url}/status/identity`, { headers: { accept: 'text/html' } });
    expect(reply.status).toBe(401);
  });

  it('shows the form with issuer, client id and secret', async () => {
    const page = await customer.open();
    expect(page.status).toBe(200);
    expect(page.text).toContain('Connect your identity provider');
    for (const field of ['issuer', 'clientId', 'clientSecret'])
      expect(page.text).toContain(`name="${field}"`);
    expect(customer.csrf).not.toBe('');
  });

  it('names every missing field next to it', async () => {
    const page = await customer.submit({ issuer: '', clientId: '', clientSecret: '' });
    expect(page.status).toBe(400);
    expect(fieldError(page.text, 'issuer')).toContain('The issuer URL is empty.');
    expect(fieldError(page.text, 'clientId')).toContain('The client id is empty.');
    expect(fieldError(page.text, 'clientSecret')).toContain('The client secret is empty.');
  });

  it('explains in plain words why a provider cannot be used, keeping what was typed but never the secret', async () => {
    const page = await customer.submit({
      issuer: `${IDP}/wrong-issuer`,
      clientId: 'cw-app',
      clientSecret: SECRET,
    });
    expect(page.status).toBe(400);
    expect(fieldError(page.text, 'issuer')).toContain(
      `does not match the URL you entered (${IDP}/wrong-issuer)`,
    );
    expect(page.text).toContain(`value="${IDP}/wrong-issuer"`);
    expect(page.text).not.toContain(SECRET);

    const plain = await customer.submit({ issuer: brokenIdp.url, clientId: 'cw-app', clientSecret: SECRET });
    expect(fieldError(plain.text, 'issuer')).toContain('The issuer must be an https URL');

    const json = await customer.submitJson({
      issuer: `${IDP}/wrong-issuer`,
      clientId: 'cw-app',
      clientSecret: SECRET,
    });
    expect(json.status).toBe(400);
    expect(json.json()).toMatchObject({
      error: {
        code: 'validation_failed',
        fields: [{ path: 'issuer', message: expect.stringContaining('does not match') }],
      },
    });
    expect((await h.ctx.db.tenants.getById(tenant.id)).spec.identity).toBeUndefined();
  });

  it('stores the secret in the tenant vault (encrypted), names it in spec.identity and re-syncs the tenant', async () => {
    const reply = await customer.submit({
      issuer: `${IDP}/tenant-a`,
      clientId: 'cw-app',
      clientSecret: SECRET,
    });
    expect(reply.status, reply.text).toBe(303);
    expect(reply.headers.get('location')).toBe(`/status/identity?connected=1&tenant=${tenant.id}`);

    const stored = await h.ctx.db.tenants.getById(tenant.id);
    expect(stored.spec.identity).toEqual({
      issuer: `${IDP}/tenant-a`,
      clientId: 'cw-app',
      clientSecretRef: { key: IDP_CLIENT_SECRET_KEY },
      allowedTenantIds: [],
      groupsClaim: 'groups',
      rolesClaim: 'roles',
    });
    expect(stored.specVersion).toBe(tenant.specVersion + 1);

    // In the tenant's vault (the local encrypted backend here): it opens with the master key, and
    // the vault's rows hold only ciphertext.
    const client = await pgPoolClient(TEST_DATABASE_URL);
    try {
      const schema = `${h.config.database.schema}_vault`;
      const store = new PostgresTenantStore({ tenant: tenant.slug, client, schema });
      const masterKeyFile = join(h.dir, 'vault', 'master.key');
      const vault = (await openVault(
        { kind: 'local', masterKeyFile },
        { tenant: tenant.slug, store },
      )) as LocalVaultBackend;
      expect(await vault.readTenantSecret(IDP_CLIENT_SECRET_KEY)).toBe(SECRET);
      const rows = await client.query<{ rows: string }>(
        `select json_agg(t)::text as rows from "${schema}".items t`,
        [],
      );
      expect(rows.rows[0]?.rows).toContain(tenant.slug);
      expect(rows.rows[0]?.rows).not.toContain(SECRET);
    } finally {
      await client.end();
    }

    const run = await h.ctx.db.runs.latestForTenant(tenant.id);
    expect(run).toMatchObject({
      goal: 'resync',
      specVersion: stored.specVersion,
      steps: [{ step: 'render-tenant' }, { step: 'apply-tenant' }],
    });
    const audit = (await h.audit()).filter((r) => r.action === 'tenant.identity.connect');
    expect(audit.map((r) => r.outcome)).toEqual(['ok', 'rejected', 'rejected', 'rejected', 'rejected']);
    expect(audit[0]).toMatchObject({
      tenantId: tenant.id,
      actor: { kind: 'customer', emailHash: stored.adminEmailHash },
    });

    const page = await customer.open();
    expect(page.text).toContain('stored in your workspace vault');
    expect(page.text).not.toContain(SECRET);
  });

  it('keeps the secret out of every database row and every log line', async () => {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    try {
      const schema = h.config.database.schema!;
      const tables = await client.query<{ table_name: string }>(
        'select table_name from information_schema.tables where table_schema = $1',
        [schema],
      );
      expect(tables.rows.length).toBeGreaterThanOrEqual(6);
      for (const { table_name } of tables.rows) {
        const dump = await client.query<{ rows: string | null }>(
          `select json_agg(t)::text as rows from "${schema}"."${table_name}" t`,
        );
        expect(dump.rows[0]?.rows ?? '', table_name).not.toContain(SECRET);
      }
    } finally {
      await client.end();
    }
    expect(h.logs.join('\n')).not.toContain(SECRET);
    expect(h.logs.join('\n')).not.toContain(tenant.adminEmail);
  });
});

describe('the issuer check cannot reach the platform network', () => {
  it('gives one answer for internal addresses and unreachable hosts, and never stores anything', async () => {
    const tenant = await h.seedTenant({ state: 'active' });
    const customer = new Customer(tenant);
    await customer.open();
    const own = new URL(h.url).port;
    // ten: the per-tenant check limit
    const issuers = [
      `https://127.0.0.1:${own}`,
      `https://localhost:${own}`,
      `https://[::ffff:127.0.0.1]:6379`,
      `https://0x7f000001:5432`,
      'https://169.254.169.254/latest',
      'https://metadata.google.internal',
      'https://10.0.0.1',
      'https://[fd00:ec2::254]',
      'https://100.64.0.1',
      'https://does-not-exist.invalid',
    ];
    for (const issuer of issuers) {
      const reply = await customer.submitJson({ issuer, clientId: 'cw-app', clientSecret: SECRET });
      const discovery = `${issuer}/.well-known/openid-configuration`;
      expect({ issuer, status: reply.status, body: reply.json() }).toMatchObject({
        issuer,
        status: 400,
        body: { error: { fields: [{ path: 'issuer', message: unreachableIssuerProblem(discovery) }] } },
      });
    }
    expect((await h.ctx.db.tenants.getById(tenant.id)).spec.identity).toBeUndefined();
  });

  it('limits issuer checks per tenant', async () => {
    const tenant = await h.seedTenant({ state: 'active' });
    const customer = new Customer(tenant);
    await customer.open();
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const reply = await customer.submitJson({
        issuer: 'https://10.9.8.7',
        clientId: 'x',
        clientSecret: 'y',
      });
      statuses.push(reply.status);
    }
    expect(statuses.slice(0, 10)).toEqual(new Array(10).fill(400));
    expect(statuses[10]).toBe(429);
  });
});
