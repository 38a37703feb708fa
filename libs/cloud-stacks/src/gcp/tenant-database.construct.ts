import { Construct } from 'constructs';
import { FirestoreDatabase } from '@cdktf/provider-google/lib/firestore-database/index.js';
import type { GcpPlatformConfig } from '../core/platform-config.js';
import type { TenantContext } from '../core/tenant-context.js';
import type { GcpWorkloadIdentity } from './workload-identity.construct.js';

export interface GcpTenantDatabaseProps {
  readonly tenant: TenantContext;
  readonly config: GcpPlatformConfig;
  /** Database id when dedicated (4-63 characters). */
  readonly databaseId: string;
}

/**
 * Dedicated: a Firestore database of its own in the tenant's region (PITR, delete protection).
 * Shared: collections `<slug>_<data set>` in the platform's shared database. Firestore IAM
 * stops at the database, so on a shared database the grant is limited to that database and the
 * collection prefix is enforced by the application: the one weaker isolation (docs/clouds.md).
 */
export class GcpTenantDatabase extends Construct {
  readonly endpoint: string;
  /** Database id (dedicated) or collection prefix (shared). */
  readonly name: string;
  private readonly databaseId: string;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: GcpTenantDatabaseProps,
  ) {
    super(scope, id);
    const { config, tenant } = props;
    if (tenant.isolation === 'dedicated') {
      new FirestoreDatabase(this, 'database', {
        name: props.databaseId,
        project: config.gcp.projectId,
        locationId: config.region,
        type: 'FIRESTORE_NATIVE',
        concurrencyMode: 'OPTIMISTIC',
        pointInTimeRecoveryEnablement: 'POINT_IN_TIME_RECOVERY_ENABLED',
        deleteProtectionState: 'DELETE_PROTECTION_ENABLED',
      });
      this.databaseId = props.databaseId;
      this.name = props.databaseId;
    } else {
      this.databaseId = config.gcp.sharedDatabase;
      this.name = `${tenant.slug}_`;
    }
    this.endpoint = `projects/${config.gcp.projectId}/databases/${this.databaseId}`;
  }

  grantReadWrite(identity: GcpWorkloadIdentity): void {
    identity.grant('roles/datastore.user', {
      title: this.props.tenant.isolation === 'dedicated' ? 'tenant database' : 'shared database',
      expression: `resource.name == "${this.endpoint}"`,
    });
  }
}
