import { Construct } from 'constructs';
import { ContainerRegistry } from '@cdktf/provider-azurerm/lib/container-registry/index.js';
import { KubernetesCluster } from '@cdktf/provider-azurerm/lib/kubernetes-cluster/index.js';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment/index.js';
import { cloudName } from '../core/naming.js';
import { clusterName, type AzurePlatformConfig } from '../core/platform-config.js';
import type { AzurePlatformNetwork } from './platform-network.construct.js';

export interface AzurePlatformClusterProps {
  readonly config: AzurePlatformConfig;
  readonly resourceGroupName: string;
  readonly network: AzurePlatformNetwork;
  readonly tags: Record<string, string>;
}

/**
 * AKS with the OIDC issuer and workload identity on (what tenant identities federate with),
 * Entra ID RBAC and no local accounts, Azure CNI overlay with Cilium; and the container
 * registry the kubelet may pull from.
 */
export class AzurePlatformCluster extends Construct {
  readonly cluster: KubernetesCluster;
  readonly registry: ContainerRegistry;

  constructor(scope: Construct, id: string, props: AzurePlatformClusterProps) {
    super(scope, id);
    const { config, resourceGroupName, tags } = props;
    const name = clusterName(config);
    this.cluster = new KubernetesCluster(this, 'aks', {
      name,
      location: config.region,
      resourceGroupName,
      dnsPrefix: name,
      ...(config.cluster.kubernetesVersion && { kubernetesVersion: config.cluster.kubernetesVersion }),
      oidcIssuerEnabled: true,
      workloadIdentityEnabled: true,
      localAccountDisabled: true,
      automaticUpgradeChannel: 'patch',
      azureActiveDirectoryRoleBasedAccessControl: { azureRbacEnabled: true, tenantId: config.azure.tenantId },
      defaultNodePool: {
        name: 'system',
        vmSize: config.cluster.nodeSize ?? 'Standard_D4s_v5',
        nodeCount: config.cluster.nodeCount,
        vnetSubnetId: props.network.nodeSubnet.id,
        zones: ['1', '2', '3'],
        upgradeSettings: { maxSurge: '33%' },
      },
      identity: { type: 'SystemAssigned' },
      networkProfile: {
        networkPlugin: 'azure',
        networkPluginMode: 'overlay',
        networkDataPlane: 'cilium',
        networkPolicy: 'cilium',
      },
      tags,
    });
    this.registry = new ContainerRegistry(this, 'registry', {
      name: cloudName('azureContainerRegistry', 'acr', config.prefix, 'platform'),
      location: config.region,
      resourceGroupName,
      sku: 'Premium',
      adminEnabled: false,
      anonymousPullEnabled: false,
      tags,
    });
    new RoleAssignment(this, 'kubelet-acr-pull', {
      scope: this.registry.id,
      roleDefinitionName: 'AcrPull',
      principalId: this.cluster.kubeletIdentity.objectId,
      principalType: 'ServicePrincipal',
      skipServicePrincipalAadCheck: true,
    });
  }
}
