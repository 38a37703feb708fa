import { Construct } from 'constructs';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias/index.js';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key/index.js';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret/index.js';
import type { AwsPlatformConfig } from '../core/platform-config.js';
import type { TenantContext } from '../core/tenant-context.js';
import { secretsPrefixArn, type PolicyStatement } from './arns.js';

export interface AwsTenantSecretsProps {
  readonly tenant: TenantContext;
  readonly config: AwsPlatformConfig;
}

/**
 * The tenant's vault: a Secrets Manager path `<prefix>/tenants/<slug>/` and a KMS key of its
 * own that encrypts those secrets and the tenant's DynamoDB table. The secrets the Tenant refers
 * to are created empty (no version: values are put by people or pipelines, never by Terraform).
 * The key keeps the default key policy (the account administers it; IAM policies grant use).
 */
export class AwsTenantSecrets extends Construct {
  readonly key: KmsKey;
  /** `<prefix>/tenants/<slug>/` */
  readonly path: string;
  readonly vaultUri: string;

  constructor(scope: Construct, id: string, props: AwsTenantSecretsProps) {
    super(scope, id);
    const { config, tenant } = props;
    this.path = `${config.prefix}/tenants/${tenant.slug}/`;
    this.vaultUri = secretsPrefixArn(config, this.path);
    this.key = new KmsKey(this, 'key', {
      description: `ContextWeaver tenant ${tenant.slug}: secrets and data`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      tags: { ...tenant.tags },
    });
    new KmsAlias(this, 'alias', {
      name: `alias/${config.prefix}/tenants/${tenant.slug}`,
      targetKeyId: this.key.keyId,
    });
    for (const key of tenant.secretKeys) {
      new SecretsmanagerSecret(this, `secret-${key}`, {
        name: `${this.path}${key}`,
        description: `Tenant ${tenant.slug}: ${key} (value set outside Terraform)`,
        kmsKeyId: this.key.arn,
        recoveryWindowInDays: 7,
        tags: { ...tenant.tags },
      });
    }
  }

  /** Read the tenant's secrets and use its key; nothing else. */
  statements(): PolicyStatement[] {
    return [
      {
        Sid: 'ReadTenantSecrets',
        Effect: 'Allow',
        Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        Resource: [`${this.vaultUri}*`],
      },
      {
        Sid: 'UseTenantKey',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey'],
        Resource: [this.key.arn],
      },
    ];
  }
}
