import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ServiceAccountTokens,
  startHashicorpVaultServer,
  type HashicorpVaultRole,
  type HashicorpVaultTestServer,
} from '@cw/testing/vault-servers';
import { CloudVaultBackend, openVault, VaultUnavailableError, type CredentialRef } from '../src/index.js';
import { describeVaultBackendContract, LEAK } from './vault-backend.contract.js';

const tokens = new ServiceAccountTokens();
const roles: Record<string, HashicorpVaultRole> = {};
let server: HashicorpVaultTestServer;
let dir: string;

/** Registers tenant `slug`'s role (as the platform's Vault policy would) and writes its pod token. */
async function tenantToken(slug: string, serviceAccount = 'mcp-engine'): Promise<string> {
  roles[`tenant-${slug}`] = {
    boundSubjects: [
      `system:serviceaccount:tenant-${slug}:mcp-engine`,
      `system:serviceaccount:tenant-${slug}:cerebro`,
    ],
    mount: 'secret',
    pathPrefix: `tenants/${slug}/`,
  };
  const file = join(dir, `${slug}-${serviceAccount}.jwt`);
  await writeFile(file, await tokens.issue(`tenant-${slug}`, serviceAccount, 'vault'));
  return file;
}

const open = async (slug: string, over: { prefix?: string; role?: string; tokenFile?: string } = {}) =>
  openVault(
    {
      kind: 'hashicorp-vault',
      address: server.url,
      mount: 'secret',
      role: over.role ?? `tenant-${slug}`,
      prefix: over.prefix ?? `tenants/${slug}/`,
    },
    { tenant: slug, identity: { tokenFile: over.tokenFile ?? (await tenantToken(slug)) } },
  );

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cw-hcv-'));
  server = await startHashicorpVaultServer({ tokens, roles });
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describeVaultBackendContract('hashicorp-vault', (tenant) => open(tenant));

const ref: CredentialRef = {
  plugin: 'github',
  name: 'token',
  scope: { level: 'user', userId: 'ada@acme.com' },
};

describe('hashicorp-vault: identity and scoping', () => {
  it('logs in with the pod token and writes only under the tenant path, no user id in names or metadata', async () => {
    const vault = (await open('acme')) as CloudVaultBackend;
    await vault.put(ref, LEAK, 'ada@acme.com');
    const path = vault.driver.fullName(vault.nameOf(ref));
    expect(path).toMatch(/^secret\/tenants\/acme\/cred-github-[0-9a-f]{40}$/);
    expect([...server.data.keys()]).toContain(path);
    const entry = server.data.get(path);
    expect(JSON.stringify(entry?.custom)).not.toMatch(/ada|LEAKCANARY/);
    expect(server.calls.filter((c) => c.path === '/v1/auth/kubernetes/login').map((c) => c.note)).toContain(
      'system:serviceaccount:tenant-acme:mcp-engine',
    );
  });

  it("refuses another tenant's path, a token of another namespace and a config outside the tenant prefix", async () => {
    await tenantToken('globex');
    // acme's role, globex's path: the server's policy refuses it
    const stolen = await open('globex', { role: 'tenant-acme', tokenFile: await tenantToken('acme') });
    await expect(stolen.get(ref)).rejects.toBeInstanceOf(VaultUnavailableError);
    expect(server.calls.at(-1)).toMatchObject({
      status: 403,
      note: expect.stringMatching(/outside secret\/tenants\/acme\//),
    });
    // globex's pod token cannot log in as acme's role
    const wrongPod = await open('acme', { tokenFile: await tenantToken('globex') });
    await expect(wrongPod.get(ref)).rejects.toThrow(/vault unavailable \(hashicorp-vault\)/);
    // a config naming another tenant's prefix is refused before any call
    await expect(open('acme', { prefix: 'tenants/globex/' })).rejects.toThrow(/^vault\.prefix: /);
  });

  it('logs in again when the Vault token expires', async () => {
    const shortLived = await startHashicorpVaultServer({ tokens, roles, tokenTtlSeconds: 1 });
    try {
      const vault = await openVault(
        {
          kind: 'hashicorp-vault',
          address: shortLived.url,
          mount: 'secret',
          role: 'tenant-acme',
          prefix: 'tenants/acme/',
        },
        { tenant: 'acme', identity: { tokenFile: await tenantToken('acme') } },
      );
      await vault.put(ref, 'v1', 'ada');
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      expect(await vault.get(ref)).toBe('v1');
      const logins = shortLived.calls.filter(
        (c) => c.path === '/v1/auth/kubernetes/login' && c.status === 200,
      );
      expect(logins.length).toBe(2);
      expect(shortLived.calls.filter((c) => c.status === 403)).toEqual([]);
    } finally {
      await shortLived.close();
    }
  });

  it('an outage is VaultUnavailableError without the value', async () => {
    const vault = await open('acme');
    server.down = true;
    try {
      const error = await vault.put(ref, LEAK, 'ada').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(VaultUnavailableError);
      expect(String(error)).not.toContain('LEAKCANARY');
    } finally {
      server.down = false;
    }
  });
});
