import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ServiceAccountTokens,
  startAwsSecretsManagerServer,
  type AwsSecretsManagerTestServer,
} from '@cw/testing/vault-servers';
import { TenantSecretVault } from './tenant-secret.vault.js';

const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `tsv${process.pid}x${Date.now().toString(36)}`;
const KEY = 'cerebro-oidc-client-secret';
const SECRET = 'idp-client-secret-Qw7!';
const tokens = new ServiceAccountTokens();
let dir: string;
let aws: AwsSecretsManagerTestServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cw-tsv-'));
  aws = await startAwsSecretsManagerServer({
    tokens,
    roles: {
      'arn:aws:iam::123456789012:role/cp': {
        boundSubjects: ['system:serviceaccount:cw-system:control-plane'],
        statements: [
          {
            Effect: 'Allow',
            Action: [
              'secretsmanager:PutSecretValue',
              'secretsmanager:TagResource',
              'secretsmanager:GetSecretValue',
            ],
            Resource: ['arn:aws:secretsmanager:eu-west-1:123456789012:secret:cw/tenants/acme/*'],
          },
        ],
      },
    },
  });
});
afterAll(async () => {
  await aws.close();
  await rm(dir, { recursive: true, force: true });
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}_vault" CASCADE`);
  await client.end();
});

describe('TenantSecretVault', () => {
  it('local tenants: an encrypted record in the control plane database, master key created 0600', async () => {
    const vault = new TenantSecretVault({ dir: join(dir, 'vault'), database: { url, schema } });
    try {
      expect(await vault.has({ slug: 'acme' }, KEY)).toBe(false);
      await vault.put({ slug: 'acme' }, KEY, SECRET);
      await vault.put({ slug: 'acme' }, KEY, `${SECRET}-2`);
      expect(await vault.has({ slug: 'acme' }, KEY)).toBe(true);
      expect(await vault.has({ slug: 'globex' }, KEY)).toBe(false);
      expect((await stat(join(dir, 'vault', 'master.key'))).mode & 0o777).toBe(0o600);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const rows = await client.query<{ rows: string }>(
        `select json_agg(t)::text as rows from "${schema}_vault".items t`,
      );
      await client.end();
      expect(rows.rows[0]?.rows).toContain('acme');
      expect(rows.rows[0]?.rows).not.toContain(SECRET);
      await expect(vault.put({ slug: 'acme' }, '../passwd', 'x')).rejects.toThrow(/^key: /);
    } finally {
      await vault.onApplicationShutdown();
    }
  });

  it('cloud tenants: the name the tenant stack created, through the workload identity', async () => {
    const tokenFile = join(dir, 'cp.jwt');
    await writeFile(tokenFile, await tokens.issue('cw-system', 'control-plane', 'sts.amazonaws.com'));
    // The stack creates the secret empty; the control plane puts its value.
    aws.secrets.set('cw/tenants/acme/cerebro-oidc-client-secret', {
      name: 'cw/tenants/acme/cerebro-oidc-client-secret',
      arn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:cw/tenants/acme/cerebro-oidc-client-secret-AbCdEf',
      tags: [],
      versions: 0,
    });
    const vault = new TenantSecretVault({
      dir: join(dir, 'vault'),
      identity: { tokenFile, awsRoleArn: 'arn:aws:iam::123456789012:role/cp', awsStsEndpoint: aws.url },
    });
    const binding = {
      kind: 'aws-secrets-manager' as const,
      uri: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:cw/tenants/acme/',
    };
    // endpoint override: the binding carries no endpoint, so point the SDK at the server for this test
    process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = aws.url;
    try {
      expect(await vault.has({ slug: 'acme', binding }, KEY)).toBe(false);
      await vault.put({ slug: 'acme', binding }, KEY, SECRET);
      expect(aws.secrets.get('cw/tenants/acme/cerebro-oidc-client-secret')?.value).toBe(SECRET);
      expect(await vault.has({ slug: 'acme', binding }, KEY)).toBe(true);
    } finally {
      delete process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER;
    }
  });
});
