import { describe, expect, it } from 'vitest';
import { LONG_SLUG, listOf, makeTenant, only, refOf, typesOf } from '../../test/fixtures.js';
import { defaultPlatformConfig } from '../core/platform-defaults.js';
import { TENANT_SERVICE_ACCOUNTS } from '../core/tenant-context.js';
import { synthesizeTenantStack } from '../tenant-stack.js';
import type { PolicyStatement } from './arns.js';

const platform = defaultPlatformConfig('aws');
const ACCOUNT = platform.aws.accountId;
const ISSUER_HOST = platform.cluster.oidcIssuer!.replace('https://', '');
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/cw-tenant-acme`;
const SHARED_TABLE = `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/${platform.aws.sharedTableName}`;
const SHARED_COLLECTION = `arn:aws:aoss:eu-west-1:${ACCOUNT}:collection/${platform.aws.searchCollection.id}`;

const synth = (isolation: 'shared' | 'dedicated', slug = 'acme', secretKey?: string) =>
  synthesizeTenantStack(
    makeTenant({ cloud: 'aws', slug, isolation, ...(secretKey && { secretKey }) }),
    platform,
  );
const statements = (policy: unknown): PolicyStatement[] =>
  (JSON.parse(String(policy)) as { Statement: PolicyStatement[] }).Statement;

describe('AWS tenant stack', () => {
  const shared = synth('shared', 'acme', 'oidc-client-secret').json;
  const dedicated = synth('dedicated').json;

  it('lets only the tenant namespace ServiceAccounts assume the role, through the cluster OIDC provider', () => {
    for (const json of [shared, dedicated]) {
      const trust = statements(only(json, 'aws_iam_role').assume_role_policy);
      expect(trust).toEqual([
        {
          Effect: 'Allow',
          Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${ISSUER_HOST}` },
          Action: ['sts:AssumeRoleWithWebIdentity'],
          Condition: {
            StringEquals: {
              [`${ISSUER_HOST}:aud`]: 'sts.amazonaws.com',
              [`${ISSUER_HOST}:sub`]: TENANT_SERVICE_ACCOUNTS.map(
                (sa) => `system:serviceaccount:tenant-acme:${sa}`,
              ),
            },
          },
        },
      ]);
      expect(only(json, 'aws_iam_role').name).toBe('cw-tenant-acme');
    }
  });

  it('scopes every statement of the role policy to the tenant resources: no "*" resource, no "*" action', () => {
    const tenantRefs = (json: typeof shared) => [
      refOf(json, 'aws_kms_key', 'arn'),
      ...(typesOf(json).includes('aws_dynamodb_table')
        ? [refOf(json, 'aws_dynamodb_table', 'arn'), `${refOf(json, 'aws_dynamodb_table', 'arn')}/index/*`]
        : []),
      ...(typesOf(json).includes('aws_opensearchserverless_collection')
        ? [refOf(json, 'aws_opensearchserverless_collection', 'arn')]
        : []),
    ];
    for (const json of [shared, dedicated]) {
      const policy = only(json, 'aws_iam_role_policy');
      expect(policy.role).toBe(refOf(json, 'aws_iam_role', 'name'));
      for (const statement of statements(policy.policy)) {
        expect(statement.Effect).toBe('Allow');
        for (const action of statement.Action) expect(action).not.toMatch(/\*/);
        for (const resource of statement.Resource ?? []) {
          expect(resource).not.toBe('*');
          const allowed =
            resource === `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:cw/tenants/acme/*` ||
            tenantRefs(json).includes(resource) ||
            resource === SHARED_TABLE ||
            resource === SHARED_COLLECTION;
          expect(allowed, resource).toBe(true);
        }
      }
    }
  });

  it('shared: only the tenant items of the shared table (LeadingKeys "acme#*", no Scan) and its indexes of the shared collection', () => {
    const table = statements(only(shared, 'aws_iam_role_policy').policy).find((s) =>
      s.Resource?.includes(SHARED_TABLE),
    );
    expect(table?.Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['acme#*'] },
      Null: { 'dynamodb:LeadingKeys': 'false' },
    });
    expect(table?.Action).not.toContain('dynamodb:Scan');
    expect(typesOf(shared)).not.toContain('aws_dynamodb_table');
    expect(typesOf(shared)).not.toContain('aws_opensearchserverless_collection');
    const access = only(shared, 'aws_opensearchserverless_access_policy');
    expect(access.type).toBe('data');
    expect(JSON.parse(String(access.policy))).toEqual([
      {
        Rules: [
          { ResourceType: 'index', Resource: ['index/cw-shared/acme_*'], Permission: expect.any(Array) },
        ],
        Principal: [ROLE_ARN],
      },
    ]);
  });

  it('dedicated: own table encrypted with the tenant key, own collection with encryption, network and data policies', () => {
    expect(only(dedicated, 'aws_dynamodb_table')).toMatchObject({
      name: 'cw-tenant-acme',
      billing_mode: 'PAY_PER_REQUEST',
      point_in_time_recovery: { enabled: true },
      server_side_encryption: { enabled: true, kms_key_arn: refOf(dedicated, 'aws_kms_key', 'arn') },
      deletion_protection_enabled: true,
    });
    expect(only(dedicated, 'aws_opensearchserverless_collection')).toMatchObject({ name: 'cw-acme' });
    expect(
      listOf(dedicated, 'aws_opensearchserverless_security_policy')
        .map((p) => p.type)
        .sort(),
    ).toEqual(['encryption', 'network']);
    const [rule] = JSON.parse(String(only(dedicated, 'aws_opensearchserverless_access_policy').policy)) as [
      { Rules: { Resource: string[] }[]; Principal: string[] },
    ];
    expect(rule.Principal).toEqual([ROLE_ARN]);
    expect(rule.Rules.flatMap((r) => r.Resource)).toEqual(['collection/cw-acme', 'index/cw-acme/acme_*']);
  });

  it('creates the referenced secrets empty, under the tenant path, encrypted with the tenant key', () => {
    expect(only(shared, 'aws_secretsmanager_secret')).toMatchObject({
      name: 'cw/tenants/acme/oidc-client-secret',
      kms_key_id: refOf(shared, 'aws_kms_key', 'arn'),
    });
    expect(typesOf(shared)).not.toContain('aws_secretsmanager_secret_version');
    expect(only(shared, 'aws_kms_key').enable_key_rotation).toBe(true);
    expect(only(shared, 'aws_kms_key')).not.toHaveProperty('policy');
  });

  it('tags every taggable resource', () => {
    for (const json of [shared, dedicated]) {
      for (const [type, byName] of Object.entries(json.resource ?? {})) {
        for (const resource of Object.values(byName)) {
          if ('tags' in resource)
            expect(resource.tags, type).toMatchObject({ tenant: 'acme', 'managed-by': 'contextweaver' });
        }
      }
    }
  });

  it('knows every binding before apply except the endpoint of a dedicated collection', () => {
    expect(synth('shared').pendingBindings).toEqual([]);
    expect(synth('shared').expectedBindings.identity).toEqual({ roleArn: ROLE_ARN });
    expect(synth('dedicated').pendingBindings).toEqual(['search.endpoint']);
  });

  it('derives valid names from a 40-character slug', () => {
    const json = synth('dedicated', LONG_SLUG).json;
    expect(String(only(json, 'aws_iam_role').name).length).toBeLessThanOrEqual(64);
    for (const type of [
      'aws_opensearchserverless_collection',
      'aws_opensearchserverless_access_policy',
      'aws_opensearchserverless_security_policy',
    ]) {
      for (const resource of listOf(json, type))
        expect(String(resource.name)).toMatch(/^[a-z][a-z0-9-]{2,31}$/);
    }
  });
});
