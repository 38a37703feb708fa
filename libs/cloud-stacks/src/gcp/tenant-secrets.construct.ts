import { Construct } from 'constructs';
import { SecretManagerSecret } from '@cdktf/provider-google/lib/secret-manager-secret/index.js';
import { CloudStackError } from '../core/errors.js';
import { cloudName } from '../core/naming.js';
import type { GcpPlatformConfig } from '../core/platform-config.js';
import type { TenantContext } from '../core/tenant-context.js';
import type { GcpWorkloadIdentity } from './workload-identity.construct.js';

export interface GcpTenantSecretsProps {
  readonly tenant: TenantContext;
  readonly config: GcpPlatformConfig;
}

/**
 * The tenant's vault: Secret Manager secrets named `<slug>_<key>` ('_' cannot occur in a slug,
 * so "acme_" never matches "acme-corp_"), replicated in the tenant's region only and labelled.
 * Secrets the Tenant refers to are created empty; access is secretAccessor on that name prefix.
 */
export class GcpTenantSecrets extends Construct {
  readonly prefix: string;
  readonly vaultUri: string;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: GcpTenantSecretsProps,
  ) {
    super(scope, id);
    const { config, tenant } = props;
    this.prefix = `${tenant.slug}_`;
    this.vaultUri = `projects/${config.gcp.projectId}/secrets/${this.prefix}`;
    for (const key of tenant.secretKeys) {
      if (!/^[\w-]+$/.test(key)) {
        throw new CloudStackError(
          `spec.identity.clientSecretRef.key "${key}": Secret Manager ids allow letters, digits, "-" and "_" only; rename the key (e.g. "${key.replace(/[^\w-]/g, '-')}")`,
        );
      }
      new SecretManagerSecret(this, `secret-${key}`, {
        secretId: cloudName('gcpSecret', tenant.slug, key),
        project: config.gcp.projectId,
        replication: { userManaged: { replicas: [{ location: config.region }] } },
        labels: { ...tenant.tags },
      });
    }
  }

  grantRead(identity: GcpWorkloadIdentity): void {
    // IAM conditions see secrets by project number, not id.
    const names = `projects/${this.props.config.gcp.projectNumber}/secrets/${this.prefix}`;
    identity.grant('roles/secretmanager.secretAccessor', {
      title: 'tenant secrets',
      expression: `resource.name.startsWith("${names}")`,
    });
  }
}
