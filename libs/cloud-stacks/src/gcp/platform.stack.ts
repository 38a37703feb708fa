/** GCP platform stack: APIs, network + GKE + Artifact Registry, shared Firestore, Vertex AI and Discovery Engine, identity, DNS. */
import { TerraformOutput, type TerraformStack } from 'cdktf';
import { DnsManagedZone } from '@cdktf/provider-google/lib/dns-managed-zone/index.js';
import { FirestoreDatabase } from '@cdktf/provider-google/lib/firestore-database/index.js';
import { ProjectService } from '@cdktf/provider-google/lib/project-service/index.js';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider/index.js';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account/index.js';
import { ServiceAccountIamMember } from '@cdktf/provider-google/lib/service-account-iam-member/index.js';
import { workloadPool, type GcpPlatformConfig } from '../core/platform-config.js';
import {
  DEFAULT_LLM_MODEL,
  PLATFORM_NAMESPACE,
  PROVISIONER_SERVICE_ACCOUNT,
  platformTags,
} from '../core/platform-context.js';
import { GcpPlatformCluster, gkeIssuer } from './platform-cluster.construct.js';
import { kubernetesMember } from './workload-identity.construct.js';

/**
 * APIs per module: cluster, registry, database, vault (Secret Manager), LLM (Vertex AI),
 * search (Vertex AI Search / Discovery Engine), identity, DNS.
 */
export const PLATFORM_APIS = [
  'compute.googleapis.com',
  'container.googleapis.com',
  'artifactregistry.googleapis.com',
  'firestore.googleapis.com',
  'secretmanager.googleapis.com',
  'aiplatform.googleapis.com',
  'discoveryengine.googleapis.com',
  'iamcredentials.googleapis.com',
  'dns.googleapis.com',
] as const;

export function buildGcpPlatformStack(stack: TerraformStack, config: GcpPlatformConfig): void {
  const labels = platformTags(config);
  const project = config.gcp.projectId;
  new GoogleProvider(stack, 'google', {
    project,
    region: config.region,
    addTerraformAttributionLabel: false,
  });
  const apis = PLATFORM_APIS.map(
    (service) =>
      new ProjectService(stack, `api-${service.split('.')[0]}`, {
        project,
        service,
        disableOnDestroy: false,
      }),
  );
  const platform = new GcpPlatformCluster(stack, 'kubernetes', { config, labels, dependsOn: apis });

  const database = new FirestoreDatabase(stack, 'shared-database', {
    name: config.gcp.sharedDatabase,
    project,
    locationId: config.region,
    type: 'FIRESTORE_NATIVE',
    concurrencyMode: 'OPTIMISTIC',
    pointInTimeRecoveryEnablement: 'POINT_IN_TIME_RECOVERY_ENABLED',
    deleteProtectionState: 'DELETE_PROTECTION_ENABLED',
    dependsOn: apis,
  });
  const zone = new DnsManagedZone(stack, 'dns-zone', {
    name: `${config.prefix}-${config.dns.zone.replace(/\./g, '-')}`.slice(0, 63),
    dnsName: `${config.dns.zone}.`,
    project,
    labels,
    dependsOn: apis,
  });
  const provisioner = new ServiceAccount(stack, 'provisioner', {
    accountId: `${config.prefix}-${PROVISIONER_SERVICE_ACCOUNT}`,
    displayName: 'ContextWeaver provisioner',
    project,
  });
  new ServiceAccountIamMember(stack, 'provisioner-workload-identity', {
    serviceAccountId: provisioner.name,
    role: 'roles/iam.workloadIdentityUser',
    member: kubernetesMember(workloadPool(config), PLATFORM_NAMESPACE, PROVISIONER_SERVICE_ACCOUNT),
    dependsOn: [platform.cluster],
  });

  const outputs: Record<string, string | string[]> = {
    oidc_issuer_url: gkeIssuer(config),
    workload_pool: workloadPool(config),
    cluster_name: platform.cluster.name,
    registry: `${config.region}-docker.pkg.dev/${project}/${platform.registry.repositoryId}`,
    shared_database: database.name,
    llm_endpoint: `https://${config.region}-aiplatform.googleapis.com`,
    llm_model: config.llm?.deployment ?? DEFAULT_LLM_MODEL.gcp,
    dns_name_servers: zone.nameServers,
    provisioner_service_account_email: provisioner.email,
  };
  for (const [name, value] of Object.entries(outputs))
    new TerraformOutput(stack, name, { value }).overrideLogicalId(name);
}
