import { Construct } from 'constructs';
import type { CloudProvider, TenantBindings } from '@cw/tenant-model';
import { tenantLabels } from '../labels.js';
import { addObject } from './api.js';

export interface WorkloadIdentityProps {
  readonly slug: string;
  readonly namespace: string;
  readonly cloud: CloudProvider;
  /** spec.bindings.identity: the cloud identity the tenant's workloads act as. */
  readonly identity?: TenantBindings['identity'];
  /**
   * Service accounts to create, one per workload kind.
   * @default ['cerebro', 'mcp-engine']
   */
  readonly serviceAccounts?: readonly string[];
}

/** Cloud workload identity: which annotation binds a ServiceAccount to which cloud identity. */
const ANNOTATION_BY_CLOUD = {
  azure: { annotation: 'azure.workload.identity/client-id', field: 'clientId' },
  aws: { annotation: 'eks.amazonaws.com/role-arn', field: 'roleArn' },
  gcp: { annotation: 'iam.gke.io/gcp-service-account', field: 'serviceAccountEmail' },
} as const;

/**
 * ServiceAccounts `cerebro` and `mcp-engine`, annotated so the cloud's workload-identity
 * webhook lets their pods act as the tenant's cloud identity. Local tenants get plain accounts.
 */
export class WorkloadIdentity extends Construct {
  /** Labels the pods of these accounts need (Azure's webhook only mutates labelled pods). */
  readonly podLabels: Record<string, string>;
  readonly serviceAccountNames: readonly string[];

  constructor(scope: Construct, id: string, props: WorkloadIdentityProps) {
    super(scope, id);
    this.serviceAccountNames = props.serviceAccounts ?? ['cerebro', 'mcp-engine'];
    const binding = props.cloud === 'local' ? undefined : ANNOTATION_BY_CLOUD[props.cloud];
    const value = binding ? props.identity?.[binding.field] : undefined;
    const annotations = binding && value ? { [binding.annotation]: value } : undefined;
    this.podLabels = props.cloud === 'azure' && value ? { 'azure.workload.identity/use': 'true' } : {};
    for (const name of this.serviceAccountNames) {
      addObject(this, name, {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: {
          name,
          namespace: props.namespace,
          labels: tenantLabels(props.slug),
          ...(annotations ? { annotations } : {}),
        },
        automountServiceAccountToken: false,
      });
    }
  }
}
