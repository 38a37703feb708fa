import { Construct } from 'constructs';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import type { AwsPlatformConfig } from '../core/platform-config.js';
import type { TenantContext } from '../core/tenant-context.js';
import { issuerHost, oidcProviderArn, policyDocument, roleArn, type PolicyStatement } from './arns.js';

export interface AwsIrsaRoleProps {
  readonly tenant: TenantContext;
  readonly config: AwsPlatformConfig;
  readonly name: string;
  /** EKS cluster OIDC issuer. */
  readonly issuer: string;
}

/**
 * The tenant's IAM role for IRSA: assumable only with a web identity token of the cluster's
 * OIDC provider whose subject is one of the tenant namespace's ServiceAccounts. Permissions are
 * one inline policy built from the statements of the tenant's resources (`allow`).
 */
export class AwsIrsaRole extends Construct {
  readonly role: IamRole;
  /** Deterministic: known before apply. */
  readonly arn: string;

  constructor(scope: Construct, id: string, props: AwsIrsaRoleProps) {
    super(scope, id);
    const host = issuerHost(props.issuer);
    this.arn = roleArn(props.config, props.name);
    this.role = new IamRole(this, 'role', {
      name: props.name,
      description: `ContextWeaver tenant ${props.tenant.slug} workloads (IRSA)`,
      assumeRolePolicy: policyDocument([
        {
          Effect: 'Allow',
          Principal: { Federated: oidcProviderArn(props.config, props.issuer) },
          Action: ['sts:AssumeRoleWithWebIdentity'],
          Condition: {
            StringEquals: {
              [`${host}:aud`]: 'sts.amazonaws.com',
              [`${host}:sub`]: [...props.tenant.subjects],
            },
          },
        },
      ]),
      maxSessionDuration: 3600,
      tags: { ...props.tenant.tags },
    });
  }

  allow(statements: PolicyStatement[]): void {
    new IamRolePolicy(this, 'policy', {
      name: 'tenant-resources',
      role: this.role.name,
      policy: policyDocument(statements),
    });
  }
}
