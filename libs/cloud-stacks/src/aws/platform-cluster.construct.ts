import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import { EcrRepository } from '@cdktf/provider-aws/lib/ecr-repository/index.js';
import { EksCluster } from '@cdktf/provider-aws/lib/eks-cluster/index.js';
import { EksNodeGroup } from '@cdktf/provider-aws/lib/eks-node-group/index.js';
import { IamOpenidConnectProvider } from '@cdktf/provider-aws/lib/iam-openid-connect-provider/index.js';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment/index.js';
import { clusterName, type AwsPlatformConfig } from '../core/platform-config.js';
import { policyDocument } from './arns.js';
import type { AwsPlatformNetwork } from './platform-network.construct.js';

export interface AwsPlatformClusterProps {
  readonly config: AwsPlatformConfig;
  readonly network: AwsPlatformNetwork;
  readonly kmsKeyArn: string;
  readonly tags: Record<string, string>;
}

const managed = (name: string) => `arn:aws:iam::aws:policy/${name}`;
const serviceRole = (service: string) =>
  policyDocument([{ Effect: 'Allow', Principal: { Service: service }, Action: ['sts:AssumeRole'] }]);

/** Images the platform runs, one ECR repository each. */
export const PLATFORM_IMAGES = [
  'cerebro',
  'mcp-engine',
  'control-plane',
  'provisioner',
  'tenant-operator',
] as const;

/**
 * EKS (API authentication, secrets encrypted with the platform key) with a managed node group
 * in the private subnets, the IAM OIDC provider that makes IRSA work, and ECR repositories.
 */
export class AwsPlatformCluster extends Construct {
  readonly cluster: EksCluster;
  readonly oidcProvider: IamOpenidConnectProvider;
  /** Issuer URL (https://...) of the cluster: `cluster.oidcIssuer` of platform.yaml. */
  readonly issuer: string;
  readonly repositories: EcrRepository[];

  constructor(scope: Construct, id: string, props: AwsPlatformClusterProps) {
    super(scope, id);
    const { config, network, tags } = props;
    const name = clusterName(config);
    const clusterRole = new IamRole(this, 'cluster-role', {
      name: `${name}-cluster`,
      assumeRolePolicy: serviceRole('eks.amazonaws.com'),
      tags,
    });
    new IamRolePolicyAttachment(this, 'cluster-policy', {
      role: clusterRole.name,
      policyArn: managed('AmazonEKSClusterPolicy'),
    });
    this.cluster = new EksCluster(this, 'eks', {
      name,
      roleArn: clusterRole.arn,
      ...(config.cluster.kubernetesVersion && { version: config.cluster.kubernetesVersion }),
      vpcConfig: {
        subnetIds: network.privateSubnets.map((s) => s.id),
        endpointPrivateAccess: true,
        endpointPublicAccess: true,
      },
      accessConfig: { authenticationMode: 'API', bootstrapClusterCreatorAdminPermissions: true },
      encryptionConfig: { resources: ['secrets'], provider: { keyArn: props.kmsKeyArn } },
      enabledClusterLogTypes: ['api', 'audit', 'authenticator'],
      tags,
    });
    this.issuer = this.cluster.identity.get(0).oidc.get(0).issuer;
    this.oidcProvider = new IamOpenidConnectProvider(this, 'oidc-provider', {
      url: this.issuer,
      clientIdList: ['sts.amazonaws.com'],
      tags,
    });

    const nodeRole = new IamRole(this, 'node-role', {
      name: `${name}-nodes`,
      assumeRolePolicy: serviceRole('ec2.amazonaws.com'),
      tags,
    });
    for (const policy of [
      'AmazonEKSWorkerNodePolicy',
      'AmazonEKS_CNI_Policy',
      'AmazonEC2ContainerRegistryReadOnly',
    ]) {
      new IamRolePolicyAttachment(this, `node-${policy}`, {
        role: nodeRole.name,
        policyArn: managed(policy),
      });
    }
    const nodeCount = config.cluster.nodeCount;
    new EksNodeGroup(this, 'system-nodes', {
      clusterName: this.cluster.name,
      nodeGroupName: 'system',
      nodeRoleArn: nodeRole.arn,
      subnetIds: network.privateSubnets.map((s) => s.id),
      instanceTypes: [config.cluster.nodeSize ?? 'm6i.xlarge'],
      scalingConfig: { desiredSize: nodeCount, minSize: nodeCount, maxSize: nodeCount * 2 },
      tags,
    });

    this.repositories = PLATFORM_IMAGES.map(
      (image) =>
        new EcrRepository(this, `repository-${image}`, {
          name: `${config.prefix}/${image}`,
          imageTagMutability: 'IMMUTABLE',
          imageScanningConfiguration: { scanOnPush: true },
          encryptionConfiguration: [{ encryptionType: 'KMS', kmsKey: props.kmsKeyArn }],
          tags,
        }),
    );
  }

  /** `host/path` of the issuer, the prefix of IRSA condition keys. */
  get issuerHost(): string {
    return Fn.replace(this.issuer, 'https://', '');
  }
}
