/**
 * The names each cloud adapter writes, for a tenant rendered the way provisioning renders it
 * (`cw synth` → expected bindings → vaultAdapterFromTenant), fall inside what that tenant's
 * synthesized cloud stack grants: the AWS role policy's secret ARN pattern, the GCP IAM
 * condition's name prefix (fed verbatim to the local server), the Azure vault URI.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  defaultPlatformConfig,
  expectedBindingsFromJson,
  synthesizeTenantStack,
  type PlatformCloud,
} from '@cw/cloud-stacks';
import { parseTenant, sampleTenant, vaultAdapterFromTenant, type Tenant } from '@cw/tenant-model';
import {
  ServiceAccountTokens,
  startAwsSecretsManagerServer,
  startGcpSecretManagerServer,
  type AwsPolicyStatement,
} from '@cw/testing/vault-servers';
import { CloudVaultBackend, openVault, type CredentialRef } from '../src/index.js';

const REGIONS: Record<PlatformCloud, string> = { aws: 'eu-west-1', azure: 'westeurope', gcp: 'europe-west1' };
const ref: CredentialRef = { plugin: 'github', name: 'token', scope: { level: 'group', groupId: 'eng' } };
const tokens = new ServiceAccountTokens();
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cw-grants-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function synth(cloud: PlatformCloud, slug = 'acme') {
  const platform = defaultPlatformConfig(cloud);
  const tenant = parseTenant(
    sampleTenant({ name: slug, spec: { cloud: { provider: cloud, region: REGIONS[cloud] } } }),
  );
  const { json } = synthesizeTenantStack(tenant, platform);
  const { bindings } = expectedBindingsFromJson(json, cloud);
  const bound: Tenant = { ...tenant, spec: { ...tenant.spec, bindings } };
  return { platform, json, text: JSON.stringify(json), tenant: bound, config: vaultAdapterFromTenant(bound) };
}

const wildcard = (pattern: string) =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );

describe('adapter names vs cloud stack grants', () => {
  it('AWS: every secret written matches the role policy’s ReadTenantSecrets resource', async () => {
    const { platform, json, config } = synth('aws');
    if (config.kind !== 'aws-secrets-manager') throw new Error(`got ${config.kind}`);
    const policies = Object.values(
      (json.resource as Record<string, Record<string, { policy?: string }>>).aws_iam_role_policy ?? {},
    );
    const statements = policies.flatMap(
      (p) => (JSON.parse(String(p.policy)) as { Statement: AwsPolicyStatement[] }).Statement,
    );
    const read = statements.find((s) => s.Action.includes('secretsmanager:GetSecretValue'));
    expect(read?.Resource).toHaveLength(1);
    const granted = read?.Resource?.[0] ?? '';
    const account = (platform as { aws: { accountId: string } }).aws.accountId;
    const roleArn = `arn:aws:iam::${account}:role/cw-tenant-acme`;
    // The vault also writes: same resources, write actions (docs/vault.md: what the stack must add).
    const server = await startAwsSecretsManagerServer({
      tokens,
      region: config.region,
      accountId: account,
      roles: {
        [roleArn]: {
          boundSubjects: ['system:serviceaccount:tenant-acme:mcp-engine'],
          statements: [
            {
              ...read,
              Action: [
                ...(read?.Action ?? []),
                'secretsmanager:CreateSecret',
                'secretsmanager:PutSecretValue',
                'secretsmanager:TagResource',
              ],
            } as AwsPolicyStatement,
          ],
        },
      },
    });
    try {
      const file = join(dir, 'aws.jwt');
      await writeFile(file, await tokens.issue('tenant-acme', 'mcp-engine', 'sts.amazonaws.com'));
      const vault = await openVault(
        { ...config, endpoint: server.url },
        { tenant: 'acme', identity: { tokenFile: file, awsRoleArn: roleArn, awsStsEndpoint: server.url } },
      );
      await vault.put(ref, 'v', 'lead');
      expect(await vault.get(ref)).toBe('v');
      const arns = [...server.secrets.values()].map((s) => s.arn);
      expect(arns).toHaveLength(1);
      for (const arn of arns) expect(arn).toMatch(wildcard(granted));
      expect(config.kmsKeyId).toBe(`alias/${config.prefix.replace(/\/$/, '')}`);
      expect(JSON.stringify(json)).toContain(`"name":"${config.kmsKeyId}"`);
    } finally {
      await server.close();
    }
  });

  it('GCP: the IAM condition’s prefix, fed verbatim to the server, admits every id the adapter writes', async () => {
    const { platform, text, config } = synth('gcp');
    if (config.kind !== 'gcp-secret-manager') throw new Error(`got ${config.kind}`);
    const prefix = /resource\.name\.startsWith\(\\"(projects\/\d+\/secrets\/[^"\\]+)\\"\)/.exec(text)?.[1];
    expect(prefix).toMatch(/\/secrets\/acme_$/);
    const gcp = (platform as { gcp: { projectId: string; projectNumber: string } }).gcp;
    const audience = '//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/k';
    const server = await startGcpSecretManagerServer({
      tokens,
      projectId: gcp.projectId,
      projectNumber: gcp.projectNumber,
      audience,
      bindings: [
        { subject: 'system:serviceaccount:tenant-acme:mcp-engine', resourceNamePrefix: prefix ?? '-' },
      ],
    });
    try {
      const file = join(dir, 'gcp.jwt');
      await writeFile(file, await tokens.issue('tenant-acme', 'mcp-engine', audience));
      const vault = (await openVault(
        { ...config, endpoint: server.url },
        {
          tenant: 'acme',
          identity: { tokenFile: file, gcpTokenUrl: server.tokenUrl, gcpAudience: audience },
        },
      )) as CloudVaultBackend;
      await vault.put(ref, 'v', 'lead');
      expect(await vault.get(ref)).toBe('v');
      expect(config.location).toBe('europe-west1');
      expect([...server.secrets.keys()].every((id) => id.startsWith('acme_'))).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('Azure: the adapter targets the tenant’s own Key Vault from the stack', () => {
    const { json, config } = synth('azure');
    if (config.kind !== 'azure-key-vault') throw new Error(`got ${config.kind}`);
    const vaults = Object.values(
      (json.resource as Record<string, Record<string, { name?: string }>>).azurerm_key_vault ?? {},
    );
    expect(vaults).toHaveLength(1);
    expect(config.vaultUrl).toBe(`https://${vaults[0]?.name}.vault.azure.net/`);
  });
});
