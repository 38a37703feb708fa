import { Construct } from 'constructs';
import { ArtifactRegistryRepository } from '@cdktf/provider-google/lib/artifact-registry-repository/index.js';
import { ComputeNetwork } from '@cdktf/provider-google/lib/compute-network/index.js';
import { ComputeRouter } from '@cdktf/provider-google/lib/compute-router/index.js';
import { ComputeRouterNat } from '@cdktf/provider-google/lib/compute-router-nat/index.js';
import { ComputeSubnetwork } from '@cdktf/provider-google/lib/compute-subnetwork/index.js';
import { ContainerCluster } from '@cdktf/provider-google/lib/container-cluster/index.js';
import { ContainerNodePool } from '@cdktf/provider-google/lib/container-node-pool/index.js';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member/index.js';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account/index.js';
import type { ITerraformDependable } from 'cdktf';
import { prefixLength, subnet } from '../core/cidr.js';
import { clusterName, workloadPool, type GcpPlatformConfig } from '../core/platform-config.js';

export interface GcpPlatformClusterProps {
  readonly config: GcpPlatformConfig;
  readonly labels: Record<string, string>;
  /** APIs that must be on first. */
  readonly dependsOn: ITerraformDependable[];
}

/** Roles of the node service account: logs, metrics, image pulls (the minimum GKE documents). */
const NODE_ROLES = [
  'roles/logging.logWriter',
  'roles/monitoring.metricWriter',
  'roles/artifactregistry.reader',
];

/** The GKE issuer: `https://container.googleapis.com/v1/projects/<p>/locations/<region>/clusters/<name>`. */
export const gkeIssuer = (config: GcpPlatformConfig): string =>
  `https://container.googleapis.com/v1/projects/${config.gcp.projectId}/locations/${config.region}/clusters/${clusterName(config)}`;

/**
 * VPC network with one subnetwork (nodes, plus pod and service ranges), Cloud NAT, a regional
 * private GKE cluster with Workload Identity (GKE metadata server on every node), a node pool
 * with its own least-privilege service account, and an Artifact Registry repository.
 */
export class GcpPlatformCluster extends Construct {
  readonly network: ComputeNetwork;
  readonly cluster: ContainerCluster;
  readonly registry: ArtifactRegistryRepository;

  constructor(scope: Construct, id: string, props: GcpPlatformClusterProps) {
    super(scope, id);
    const { config, labels } = props;
    const project = config.gcp.projectId;
    const cidr = config.network.cidr;
    const bits = prefixLength(cidr);
    const name = clusterName(config);
    this.network = new ComputeNetwork(this, 'network', {
      name: `${config.prefix}-platform`,
      project,
      autoCreateSubnetworks: false,
      dependsOn: props.dependsOn,
    });
    const nodes = new ComputeSubnetwork(this, 'subnetwork', {
      name: `${config.prefix}-nodes`,
      project,
      region: config.region,
      network: this.network.id,
      ipCidrRange: subnet(cidr, bits + 4, 0),
      privateIpGoogleAccess: true,
      secondaryIpRange: [
        { rangeName: 'pods', ipCidrRange: subnet(cidr, bits + 1, 1) },
        { rangeName: 'services', ipCidrRange: subnet(cidr, bits + 4, 1) },
      ],
    });
    const router = new ComputeRouter(this, 'router', {
      name: `${config.prefix}-router`,
      project,
      region: config.region,
      network: this.network.id,
    });
    new ComputeRouterNat(this, 'nat', {
      name: `${config.prefix}-nat`,
      project,
      region: config.region,
      router: router.name,
      natIpAllocateOption: 'AUTO_ONLY',
      sourceSubnetworkIpRangesToNat: 'ALL_SUBNETWORKS_ALL_IP_RANGES',
    });

    this.cluster = new ContainerCluster(this, 'gke', {
      name,
      project,
      location: config.region,
      network: this.network.id,
      subnetwork: nodes.id,
      removeDefaultNodePool: true,
      initialNodeCount: 1,
      ...(config.cluster.kubernetesVersion && { minMasterVersion: config.cluster.kubernetesVersion }),
      workloadIdentityConfig: { workloadPool: workloadPool(config) },
      ipAllocationPolicy: { clusterSecondaryRangeName: 'pods', servicesSecondaryRangeName: 'services' },
      privateClusterConfig: {
        enablePrivateNodes: true,
        enablePrivateEndpoint: false,
        masterIpv4CidrBlock: '172.16.0.0/28',
      },
      releaseChannel: { channel: 'REGULAR' },
      datapathProvider: 'ADVANCED_DATAPATH',
      deletionProtection: true,
      resourceLabels: labels,
    });

    const nodeAccount = new ServiceAccount(this, 'node-service-account', {
      accountId: `${config.prefix}-gke-nodes`,
      displayName: 'GKE nodes of the ContextWeaver platform',
      project,
    });
    NODE_ROLES.forEach(
      (role) =>
        new ProjectIamMember(this, `node-${role.split('.')[1]}`, {
          project,
          role,
          member: `serviceAccount:${nodeAccount.email}`,
        }),
    );
    new ContainerNodePool(this, 'system-nodes', {
      name: 'system',
      project,
      location: config.region,
      cluster: this.cluster.name,
      nodeCount: config.cluster.nodeCount,
      nodeConfig: {
        machineType: config.cluster.nodeSize ?? 'e2-standard-4',
        serviceAccount: nodeAccount.email,
        oauthScopes: ['https://www.googleapis.com/auth/cloud-platform'],
        workloadMetadataConfig: { mode: 'GKE_METADATA' },
        labels,
      },
    });

    this.registry = new ArtifactRegistryRepository(this, 'registry', {
      repositoryId: `${config.prefix}-images`,
      project,
      location: config.region,
      format: 'DOCKER',
      dockerConfig: { immutableTags: true },
      labels,
      dependsOn: props.dependsOn,
    });
  }
}
