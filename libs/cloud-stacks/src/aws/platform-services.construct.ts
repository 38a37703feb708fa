import { Construct } from 'constructs';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table/index.js';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy/index.js';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias/index.js';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key/index.js';
import { OpensearchserverlessCollection } from '@cdktf/provider-aws/lib/opensearchserverless-collection/index.js';
import { OpensearchserverlessSecurityPolicy } from '@cdktf/provider-aws/lib/opensearchserverless-security-policy/index.js';
import { Route53Zone } from '@cdktf/provider-aws/lib/route53-zone/index.js';
import type { AwsPlatformConfig } from '../core/platform-config.js';
import {
  DEFAULT_LLM_MODEL,
  PLATFORM_NAMESPACE,
  PROVISIONER_SERVICE_ACCOUNT,
} from '../core/platform-context.js';
import { policyDocument } from './arns.js';
import type { AwsPlatformCluster } from './platform-cluster.construct.js';
import type { AwsPlatformNetwork } from './platform-network.construct.js';

export interface AwsPlatformVaultProps {
  readonly config: AwsPlatformConfig;
  readonly tags: Record<string, string>;
}

/** The platform's KMS key: EKS secrets, ECR images, the shared table. Tenants get keys of their own. */
export class AwsPlatformVault extends Construct {
  readonly key: KmsKey;
  constructor(scope: Construct, id: string, props: AwsPlatformVaultProps) {
    super(scope, id);
    this.key = new KmsKey(this, 'key', {
      description: 'ContextWeaver platform',
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      tags: props.tags,
    });
    new KmsAlias(this, 'alias', {
      name: `alias/${props.config.prefix}/platform`,
      targetKeyId: this.key.keyId,
    });
  }
}

export interface AwsPlatformServicesProps {
  readonly config: AwsPlatformConfig;
  readonly network: AwsPlatformNetwork;
  readonly cluster: AwsPlatformCluster;
  readonly kmsKeyArn: string;
  readonly tags: Record<string, string>;
}

/**
 * Shared DynamoDB table (tenants own their `<slug>#` items), shared OpenSearch Serverless
 * collection reachable through the VPC endpoint only, a Bedrock invoke policy for the
 * configured model, the public DNS zone, and the provisioner's IRSA role.
 */
export class AwsPlatformServices extends Construct {
  readonly table: DynamodbTable;
  readonly collection: OpensearchserverlessCollection;
  readonly bedrockPolicy: IamPolicy;
  readonly zone: Route53Zone;
  readonly provisioner: IamRole;

  constructor(scope: Construct, id: string, props: AwsPlatformServicesProps) {
    super(scope, id);
    const { config, network, cluster, tags } = props;
    this.table = new DynamodbTable(this, 'shared-table', {
      name: config.aws.sharedTableName,
      billingMode: 'PAY_PER_REQUEST',
      hashKey: 'pk',
      rangeKey: 'sk',
      attribute: [
        { name: 'pk', type: 'S' },
        { name: 'sk', type: 'S' },
      ],
      ttl: { attributeName: 'expiresAt', enabled: true },
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true, kmsKeyArn: props.kmsKeyArn },
      deletionProtectionEnabled: true,
      tags,
    });

    const collectionName = config.aws.searchCollection.name;
    const resource = [`collection/${collectionName}`];
    const encryption = new OpensearchserverlessSecurityPolicy(this, 'search-encryption', {
      name: collectionName,
      type: 'encryption',
      policy: JSON.stringify({
        Rules: [{ ResourceType: 'collection', Resource: resource }],
        AWSOwnedKey: true,
      }),
    });
    const networkPolicy = new OpensearchserverlessSecurityPolicy(this, 'search-network', {
      name: collectionName,
      type: 'network',
      policy: JSON.stringify([
        {
          Rules: [{ ResourceType: 'collection', Resource: resource }],
          AllowFromPublic: false,
          SourceVPCEs: [network.searchEndpoint.id],
        },
      ]),
    });
    this.collection = new OpensearchserverlessCollection(this, 'search', {
      name: collectionName,
      type: 'VECTORSEARCH',
      standbyReplicas: 'ENABLED',
      tags,
      dependsOn: [encryption, networkPolicy],
    });

    const model = config.llm?.deployment ?? DEFAULT_LLM_MODEL.aws;
    this.bedrockPolicy = new IamPolicy(this, 'bedrock-invoke', {
      name: `${config.prefix}-bedrock-invoke`,
      description: `Invoke ${model} in ${config.region}`,
      policy: policyDocument([
        {
          Effect: 'Allow',
          Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
          Resource: [`arn:aws:bedrock:${config.region}::foundation-model/${model}`],
        },
      ]),
      tags,
    });

    this.zone = new Route53Zone(this, 'dns-zone', { name: config.dns.zone, tags });

    this.provisioner = new IamRole(this, 'provisioner', {
      name: `${config.prefix}-provisioner`,
      description: `ContextWeaver provisioner (${PLATFORM_NAMESPACE}/${PROVISIONER_SERVICE_ACCOUNT}, IRSA)`,
      assumeRolePolicy: policyDocument([
        {
          Effect: 'Allow',
          Principal: { Federated: cluster.oidcProvider.arn },
          Action: ['sts:AssumeRoleWithWebIdentity'],
          Condition: {
            StringEquals: {
              [`${cluster.issuerHost}:aud`]: 'sts.amazonaws.com',
              [`${cluster.issuerHost}:sub`]: `system:serviceaccount:${PLATFORM_NAMESPACE}:${PROVISIONER_SERVICE_ACCOUNT}`,
            },
          },
        },
      ]),
      tags,
    });
  }
}
