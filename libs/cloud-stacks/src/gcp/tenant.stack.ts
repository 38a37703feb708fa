/**
 * GCP tenant stack: Secret Manager secrets, a Firestore database (or collections of the shared
 * one), and a Workload Identity service account granted those through IAM conditions.
 */
import type { TerraformStack } from 'cdktf';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider/index.js';
import { OUTPUTS } from '../core/bindings.js';
import { cloudName } from '../core/naming.js';
import { addBindingOutputs } from '../core/outputs.js';
import type { GcpPlatformConfig } from '../core/platform-config.js';
import type { TenantContext } from '../core/tenant-context.js';
import { GcpTenantDatabase } from './tenant-database.construct.js';
import { GcpTenantSecrets } from './tenant-secrets.construct.js';
import { GcpWorkloadIdentity } from './workload-identity.construct.js';

export function gcpTenantNames(tenant: TenantContext, config: GcpPlatformConfig) {
  return {
    serviceAccount: cloudName('gcpServiceAccount', config.prefix, 't', tenant.slug),
    database: cloudName('gcpFirestoreDatabase', config.prefix, tenant.slug),
  };
}

export function buildGcpTenantStack(
  stack: TerraformStack,
  tenant: TenantContext,
  config: GcpPlatformConfig,
): void {
  const names = gcpTenantNames(tenant, config);
  new GoogleProvider(stack, 'google', {
    project: config.gcp.projectId,
    region: config.region,
    addTerraformAttributionLabel: false,
  });
  const identity = new GcpWorkloadIdentity(stack, 'identity', {
    tenant,
    config,
    accountId: names.serviceAccount,
  });
  const secrets = new GcpTenantSecrets(stack, 'vault', { tenant, config });
  const database = new GcpTenantDatabase(stack, 'database', { tenant, config, databaseId: names.database });
  secrets.grantRead(identity);
  database.grantReadWrite(identity);

  addBindingOutputs(stack, config, {
    [OUTPUTS.vaultUri]: secrets.vaultUri,
    [OUTPUTS.databaseEndpoint]: database.endpoint,
    [OUTPUTS.databaseName]: database.name,
    [OUTPUTS.identityServiceAccountEmail]: identity.email,
  });
}
