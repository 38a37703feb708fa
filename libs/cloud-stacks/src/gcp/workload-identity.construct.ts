import { Construct } from 'constructs';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member/index.js';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account/index.js';
import { ServiceAccountIamMember } from '@cdktf/provider-google/lib/service-account-iam-member/index.js';
import { workloadPool, type GcpPlatformConfig } from '../core/platform-config.js';
import { TENANT_SERVICE_ACCOUNTS, type TenantContext } from '../core/tenant-context.js';

export interface GcpWorkloadIdentityProps {
  readonly tenant: TenantContext;
  readonly config: GcpPlatformConfig;
  /** Service account id (6-30 characters). */
  readonly accountId: string;
}

/** A resource-scoping IAM condition; required on every grant (a project role without one would be project-wide). */
export interface IamCondition {
  readonly title: string;
  readonly expression: string;
}

/** The Workload Identity member of a Kubernetes ServiceAccount: `serviceAccount:<pool>[<namespace>/<name>]`. */
export const kubernetesMember = (pool: string, namespace: string, serviceAccount: string): string =>
  `serviceAccount:${pool}[${namespace}/${serviceAccount}]`;

/**
 * The tenant's Google service account, impersonable (roles/iam.workloadIdentityUser) only by the
 * tenant namespace's Kubernetes ServiceAccounts through GKE Workload Identity.
 */
export class GcpWorkloadIdentity extends Construct {
  readonly serviceAccount: ServiceAccount;
  /** Deterministic: known before apply. */
  readonly email: string;
  private grants = 0;
  private readonly project: string;

  constructor(scope: Construct, id: string, props: GcpWorkloadIdentityProps) {
    super(scope, id);
    const { config, tenant } = props;
    this.project = config.gcp.projectId;
    this.email = `${props.accountId}@${config.gcp.projectId}.iam.gserviceaccount.com`;
    this.serviceAccount = new ServiceAccount(this, 'service-account', {
      accountId: props.accountId,
      displayName: `ContextWeaver tenant ${tenant.slug}`,
      description: `Workloads of namespace ${tenant.namespace} (Workload Identity)`,
      project: config.gcp.projectId,
    });
    for (const serviceAccount of TENANT_SERVICE_ACCOUNTS) {
      new ServiceAccountIamMember(this, `workload-identity-${serviceAccount}`, {
        serviceAccountId: this.serviceAccount.name,
        role: 'roles/iam.workloadIdentityUser',
        member: kubernetesMember(workloadPool(config), tenant.namespace, serviceAccount),
      });
    }
  }

  /** Grants a project role limited by `condition` to the tenant's resources. */
  grant(role: string, condition: IamCondition): ProjectIamMember {
    this.grants += 1;
    return new ProjectIamMember(this, `grant-${this.grants}`, {
      project: this.project,
      role,
      member: `serviceAccount:${this.serviceAccount.email}`,
      condition: { title: condition.title, expression: condition.expression },
    });
  }
}
