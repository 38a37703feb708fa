import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ServiceAccountTokens,
  startAzureKeyVaultServer,
  type AzureIdentity,
  type AzureKeyVaultTestServer,
} from '@cw/testing/vault-servers';
import { CloudVaultBackend, openVault, VaultUnavailableError, type CredentialRef } from '../src/index.js';
import { describeVaultBackendContract, LEAK } from './vault-backend.contract.js';

const ENTRA_TENANT = '11111111-2222-3333-4444-555555555555';
const TENANTS = ['acme', 'globex', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8', 'c9', 'c10'];
const clientIdOf = (slug: string) => `client-${slug}`;
const tokens = new ServiceAccountTokens();
let server: AzureKeyVaultTestServer;
let dir: string;

const identities: AzureIdentity[] = TENANTS.map((slug) => ({
  clientId: clientIdOf(slug),
  federatedSubjects: [
    `system:serviceaccount:tenant-${slug}:mcp-engine`,
    `system:serviceaccount:tenant-${slug}:cerebro`,
  ],
}));

async function tokenFor(slug: string): Promise<string> {
  const file = join(dir, `${slug}.jwt`);
  await writeFile(file, await tokens.issue(`tenant-${slug}`, 'mcp-engine', 'api://AzureADTokenExchange'));
  return file;
}

const open = async (slug: string, over: { vault?: string; clientId?: string; tokenFile?: string } = {}) =>
  openVault(
    { kind: 'azure-key-vault', vaultUrl: server.vaultUrl(over.vault ?? slug) },
    {
      tenant: slug,
      identity: {
        tokenFile: over.tokenFile ?? (await tokenFor(slug)),
        azureTenantId: ENTRA_TENANT,
        azureClientId: over.clientId ?? clientIdOf(slug),
        azureAuthorityHost: server.authorityHost,
        caCert: server.ca,
      },
    },
  );

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cw-akv-'));
  server = await startAzureKeyVaultServer({
    tokens,
    tenantId: ENTRA_TENANT,
    identities,
    vaults: Object.fromEntries(TENANTS.map((slug) => [slug, [clientIdOf(slug)]])),
  });
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

// The contract wants a fresh tenant per case; Azure tenants are vaults, so take them in turn.
let next = 2;
describeVaultBackendContract('azure-key-vault', () => {
  const slug = TENANTS[next++] ?? 'c10';
  return open(slug);
});

const ref: CredentialRef = {
  plugin: 'github',
  name: 'token',
  scope: { level: 'user', userId: 'ada@acme.com' },
};

describe('azure-key-vault: identity, api-version and scoping', () => {
  it('exchanges the federated pod token, answers the challenge, writes into the tenant vault', async () => {
    const vault = (await open('acme')) as CloudVaultBackend;
    await vault.put(ref, LEAK, 'ada@acme.com');
    expect(vault.driver.fullName(vault.nameOf(ref))).toMatch(
      /^https:\/\/127\.0\.0\.1:\d+\/secrets\/cred-github-[0-9a-f]{40}$/,
    );
    const stored = [...(server.secrets.get('acme')?.values() ?? [])];
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored[0]?.tags)).not.toMatch(/ada|LEAKCANARY/);
    expect(
      server.calls.some(
        (c) => c.note === `token for client-acme as system:serviceaccount:tenant-acme:mcp-engine`,
      ),
    ).toBe(true);
    expect(server.calls.some((c) => c.note === 'challenge')).toBe(true);
    // deleted (soft), then written again: recovered and replaced
    expect(await vault.delete(ref, 'ada')).toBe(true);
    expect(await vault.get(ref)).toBeUndefined();
    await vault.put(ref, 'second', 'ada');
    expect(await vault.get(ref)).toBe('second');
  });

  it("refuses another tenant's vault, a pod of another namespace, and a missing or unknown api-version", async () => {
    const stolen = await open('acme', { vault: 'globex' });
    await expect(stolen.get(ref)).rejects.toBeInstanceOf(VaultUnavailableError);
    expect(server.calls.at(-1)?.note).toBe('denied client-acme on globex');
    const wrongPod = await open('acme', { tokenFile: await tokenFor('globex') });
    await expect(wrongPod.get(ref)).rejects.toBeInstanceOf(VaultUnavailableError);
    expect(
      server.calls.some((c) => c.note === 'AADSTS70021 for system:serviceaccount:tenant-globex:mcp-engine'),
    ).toBe(true);
    for (const query of ['', '?api-version=2016-10-01']) {
      const res = await import('node:https').then(
        (https) =>
          new Promise<{ status: number; body: string }>((resolve, reject) => {
            const url = new URL(`${server.vaultUrl('acme')}secrets/x${query}`);
            https
              .get(url, { ca: server.ca }, (r) => {
                let body = '';
                r.on('data', (c: Buffer) => (body += c.toString()));
                r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
              })
              .on('error', reject);
          }),
      );
      expect(res.status).toBe(400);
      expect(res.body).toMatch(/BadParameter/);
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
