import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ServiceAccountTokens,
  startAwsSecretsManagerServer,
  type AwsRole,
  type AwsSecretsManagerTestServer,
} from '@cw/testing/vault-servers';
import { CloudVaultBackend, openVault, VaultUnavailableError, type CredentialRef } from '../src/index.js';
import { describeVaultBackendContract, LEAK } from './vault-backend.contract.js';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const tokens = new ServiceAccountTokens();
const roles: Record<string, AwsRole> = {};
let server: AwsSecretsManagerTestServer;
let dir: string;

const prefixOf = (slug: string) => `cw/tenants/${slug}/`;
const roleArnOf = (slug: string) => `arn:aws:iam::${ACCOUNT}:role/cw-tenant-${slug}`;
/** The grant the vault needs: the cloud stack's read statement plus write actions on the same resources. */
export const vaultStatements = (slug: string): AwsRole['statements'] => [
  {
    Effect: 'Allow',
    Action: [
      'secretsmanager:GetSecretValue',
      'secretsmanager:DescribeSecret',
      'secretsmanager:CreateSecret',
      'secretsmanager:PutSecretValue',
      'secretsmanager:TagResource',
      'secretsmanager:DeleteSecret',
    ],
    Resource: [`arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${prefixOf(slug)}*`],
  },
  { Effect: 'Allow', Action: ['secretsmanager:ListSecrets'], Resource: ['*'] },
];

async function tokenFor(slug: string, serviceAccount = 'mcp-engine'): Promise<string> {
  roles[roleArnOf(slug)] = {
    boundSubjects: [
      `system:serviceaccount:tenant-${slug}:mcp-engine`,
      `system:serviceaccount:tenant-${slug}:cerebro`,
    ],
    statements: vaultStatements(slug),
  };
  const file = join(dir, `${slug}-${serviceAccount}.jwt`);
  await writeFile(file, await tokens.issue(`tenant-${slug}`, serviceAccount, 'sts.amazonaws.com'));
  return file;
}

const open = async (slug: string, over: { prefix?: string; roleArn?: string; tokenFile?: string } = {}) =>
  openVault(
    {
      kind: 'aws-secrets-manager',
      region: REGION,
      prefix: over.prefix ?? prefixOf(slug),
      kmsKeyId: `alias/cw/tenants/${slug}`,
      endpoint: server.url,
    },
    {
      tenant: slug,
      identity: {
        tokenFile: over.tokenFile ?? (await tokenFor(slug)),
        awsRoleArn: over.roleArn ?? roleArnOf(slug),
        awsStsEndpoint: server.url,
      },
    },
  );

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cw-aws-'));
  server = await startAwsSecretsManagerServer({ tokens, roles, region: REGION, accountId: ACCOUNT });
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describeVaultBackendContract('aws-secrets-manager', (tenant) => open(tenant));

const ref: CredentialRef = {
  plugin: 'github',
  name: 'token',
  scope: { level: 'user', userId: 'ada@acme.com' },
};

describe('aws-secrets-manager: identity, signatures and scoping', () => {
  it('assumes the tenant role by web identity, signs with SigV4 and writes under the tenant path with its KMS key', async () => {
    const vault = (await open('acme')) as CloudVaultBackend;
    await vault.put(ref, LEAK, 'ada@acme.com');
    const name = vault.driver.fullName(vault.nameOf(ref));
    expect(name).toMatch(/^cw\/tenants\/acme\/cred-github-[0-9a-f]{40}$/);
    const stored = server.secrets.get(name);
    expect(stored?.kmsKeyId).toBe('alias/cw/tenants/acme');
    expect(JSON.stringify(stored?.tags)).not.toMatch(/ada|LEAKCANARY/);
    expect(
      server.calls.some(
        (c) => c.note === `assumed ${roleArnOf('acme')} as system:serviceaccount:tenant-acme:mcp-engine`,
      ),
    ).toBe(true);
    // every Secrets Manager call passed signature verification (none refused as InvalidSignature)
    expect(server.calls.filter((c) => /InvalidSignature/.test(c.note ?? ''))).toEqual([]);
  });

  it('refuses a request altered after signing and one with no signature', async () => {
    const vault = (await open('acme')) as CloudVaultBackend;
    const client = (
      vault.driver as unknown as { client: import('@aws-sdk/client-secrets-manager').SecretsManagerClient }
    ).client;
    // After signing (deserialize step wraps the transport): change the secret id in the body.
    client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { body?: unknown };
        const text =
          typeof request.body === 'string'
            ? request.body
            : Buffer.from(request.body as Uint8Array).toString();
        request.body = text.replace('cred-', 'crex-');
        return next(args);
      },
      { step: 'deserialize', name: 'tamper' },
    );
    await expect(vault.get(ref)).rejects.toBeInstanceOf(VaultUnavailableError);
    expect(server.calls.at(-1)?.note).toMatch(
      /InvalidSignatureException: (signature|x-amz-content-sha256) mismatch/,
    );
    const unsigned = await fetch(server.url, {
      method: 'POST',
      headers: {
        'x-amz-target': 'secretsmanager.GetSecretValue',
        'content-type': 'application/x-amz-json-1.1',
      },
      body: JSON.stringify({ SecretId: 'cw/tenants/acme/x' }),
    });
    expect([unsigned.status, ((await unsigned.json()) as { __type: string }).__type]).toEqual([
      400,
      'InvalidSignatureException',
    ]);
  });

  it("refuses another tenant's names, another namespace's token and a prefix outside the tenant", async () => {
    await tokenFor('globex');
    const stolen = await open('globex', { roleArn: roleArnOf('acme'), tokenFile: await tokenFor('acme') });
    await expect(stolen.get(ref)).rejects.toBeInstanceOf(VaultUnavailableError);
    expect(server.calls.at(-1)?.note).toMatch(
      /AccessDeniedException: .* on arn:aws:secretsmanager:.*:secret:cw\/tenants\/globex\//,
    );
    const wrongPod = await open('acme', { tokenFile: await tokenFor('globex') });
    await expect(wrongPod.get(ref)).rejects.toBeInstanceOf(VaultUnavailableError);
    expect(server.calls.at(-1)?.note).toMatch(/AccessDenied for system:serviceaccount:tenant-globex/);
    await expect(open('acme', { prefix: 'cw/tenants/globex/' })).rejects.toThrow(/^vault\.prefix: /);
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
