import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ServiceAccountTokens,
  startGcpSecretManagerServer,
  type GcpBinding,
  type GcpSecretManagerTestServer,
} from '@cw/testing/vault-servers';
import { CloudVaultBackend, openVault, VaultUnavailableError, type CredentialRef } from '../src/index.js';
import { describeVaultBackendContract, LEAK } from './vault-backend.contract.js';

const PROJECT = 'cw-platform';
const PROJECT_NUMBER = '123456789';
const AUDIENCE = `//iam.googleapis.com/projects/${PROJECT_NUMBER}/locations/global/workloadIdentityPools/cw/providers/cluster`;
const tokens = new ServiceAccountTokens();
const bindings: GcpBinding[] = [];
let server: GcpSecretManagerTestServer;
let dir: string;

async function tokenFor(slug: string, serviceAccount = 'mcp-engine'): Promise<string> {
  for (const sa of ['mcp-engine', 'cerebro'])
    bindings.push({
      subject: `system:serviceaccount:tenant-${slug}:${sa}`,
      resourceNamePrefix: `projects/${PROJECT_NUMBER}/secrets/${slug}_`,
    });
  const file = join(dir, `${slug}-${serviceAccount}.jwt`);
  await writeFile(file, await tokens.issue(`tenant-${slug}`, serviceAccount, AUDIENCE));
  return file;
}

const open = async (slug: string, over: { prefix?: string; tokenFile?: string } = {}) =>
  openVault(
    {
      kind: 'gcp-secret-manager',
      projectId: PROJECT,
      prefix: over.prefix ?? `${slug}_`,
      endpoint: server.url,
      location: 'europe-west1',
    },
    {
      tenant: slug,
      identity: {
        tokenFile: over.tokenFile ?? (await tokenFor(slug)),
        gcpTokenUrl: server.tokenUrl,
        gcpAudience: AUDIENCE,
      },
    },
  );

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cw-gcp-'));
  server = await startGcpSecretManagerServer({
    tokens,
    projectId: PROJECT,
    projectNumber: PROJECT_NUMBER,
    audience: AUDIENCE,
    bindings,
  });
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describeVaultBackendContract('gcp-secret-manager', (tenant) => open(tenant));

const ref: CredentialRef = {
  plugin: 'github',
  name: 'token',
  scope: { level: 'user', userId: 'ada@acme.com' },
};

describe('gcp-secret-manager: identity and scoping', () => {
  it('federates the pod token, sends a bearer token, writes `<slug>_` ids replicated in the region', async () => {
    const vault = (await open('acme')) as CloudVaultBackend;
    await vault.put(ref, LEAK, 'ada@acme.com');
    const name = vault.driver.fullName(vault.nameOf(ref));
    expect(name).toMatch(/^projects\/cw-platform\/secrets\/acme_cred-github-[0-9a-f]{40}$/);
    const stored = server.secrets.get(name.split('/').at(-1) ?? '');
    expect(stored?.replication).toEqual({ userManaged: { replicas: [{ location: 'europe-west1' }] } });
    expect(JSON.stringify(stored?.labels)).not.toMatch(/ada|LEAKCANARY/);
    expect(
      server.calls.some((c) => c.note === 'federated system:serviceaccount:tenant-acme:mcp-engine'),
    ).toBe(true);
    const anonymous = await fetch(`${server.url}/v1/projects/${PROJECT}/secrets/acme_x`);
    expect(anonymous.status).toBe(401);
  });

  it("refuses another tenant's ids, a token for another audience and a prefix outside the tenant", async () => {
    await tokenFor('globex');
    // acme's identity configured with globex's prefix (a mis-rendered config): IAM refuses it
    const stolen = await openVault(
      { kind: 'gcp-secret-manager', projectId: PROJECT, prefix: 'globex_', endpoint: server.url },
      {
        tenant: 'globex',
        identity: { tokenFile: await tokenFor('acme'), gcpTokenUrl: server.tokenUrl, gcpAudience: AUDIENCE },
      },
    );
    await expect(stolen.get(ref)).rejects.toBeInstanceOf(VaultUnavailableError);
    expect(server.calls.at(-1)?.note).toMatch(
      /^denied system:serviceaccount:tenant-acme:mcp-engine on globex_/,
    );
    const otherAudience = join(dir, 'other-aud.jwt');
    await writeFile(otherAudience, await tokens.issue('tenant-acme', 'mcp-engine', 'sts.amazonaws.com'));
    const wrong = await open('acme', { tokenFile: otherAudience });
    await expect(wrong.get(ref)).rejects.toBeInstanceOf(VaultUnavailableError);
    await expect(open('acme', { prefix: 'globex_' })).rejects.toThrow(/^vault\.prefix: /);
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
