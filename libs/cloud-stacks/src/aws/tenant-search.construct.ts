import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { OpensearchserverlessAccessPolicy } from '@cdktf/provider-aws/lib/opensearchserverless-access-policy/index.js';
import { OpensearchserverlessCollection } from '@cdktf/provider-aws/lib/opensearchserverless-collection/index.js';
import { OpensearchserverlessSecurityPolicy } from '@cdktf/provider-aws/lib/opensearchserverless-security-policy/index.js';
import type { AwsPlatformConfig } from '../core/platform-config.js';
import type { TenantContext } from '../core/tenant-context.js';
import type { AwsIrsaRole } from './irsa-role.construct.js';
import { collectionEndpoint, sharedCollectionArn, type PolicyStatement } from './arns.js';

export interface AwsTenantSearchProps {
  readonly tenant: TenantContext;
  readonly config: AwsPlatformConfig;
  /** Collection and policy name (3-32 characters). */
  readonly name: string;
  /** The tenant role: the only principal of the data access policy. */
  readonly role: AwsIrsaRole;
}

const INDEX_PERMISSIONS = [
  'aoss:CreateIndex',
  'aoss:DescribeIndex',
  'aoss:UpdateIndex',
  'aoss:DeleteIndex',
  'aoss:ReadDocument',
  'aoss:WriteDocument',
];

/**
 * OpenSearch Serverless. IAM only admits the caller to a collection (`aoss:APIAccessAll`); what
 * it may touch inside is the data access policy, which names the tenant role and the index
 * pattern `<slug>_*` ('_' cannot occur in a slug). Shared: that pattern on the platform's
 * collection. Dedicated: a collection of its own with encryption and network policies.
 */
export class AwsTenantSearch extends Construct {
  readonly indexPrefix: string;
  /** Literal for the shared collection; a reference for a dedicated one (its id is assigned at create). */
  readonly endpoint: string;
  private readonly collectionArn: string;

  constructor(scope: Construct, id: string, props: AwsTenantSearchProps) {
    super(scope, id);
    const { config, tenant } = props;
    this.indexPrefix = `${tenant.slug}_`;
    let collectionName = config.aws.searchCollection.name;
    const rules: object[] = [];
    const dependsOn: ITerraformDependable[] = [props.role.role];
    if (tenant.isolation === 'dedicated') {
      collectionName = props.name;
      const resource = [`collection/${collectionName}`];
      const encryption = new OpensearchserverlessSecurityPolicy(this, 'encryption', {
        name: props.name,
        type: 'encryption',
        policy: JSON.stringify({
          Rules: [{ ResourceType: 'collection', Resource: resource }],
          AWSOwnedKey: true,
        }),
      });
      const vpce = config.aws.searchVpcEndpointId;
      const network = new OpensearchserverlessSecurityPolicy(this, 'network', {
        name: props.name,
        type: 'network',
        policy: JSON.stringify([
          {
            Rules: [{ ResourceType: 'collection', Resource: resource }],
            ...(vpce ? { AllowFromPublic: false, SourceVPCEs: [vpce] } : { AllowFromPublic: true }),
          },
        ]),
      });
      const collection = new OpensearchserverlessCollection(this, 'collection', {
        name: collectionName,
        type: 'VECTORSEARCH',
        standbyReplicas: 'ENABLED',
        tags: { ...tenant.tags },
        dependsOn: [encryption, network],
      });
      dependsOn.push(collection);
      rules.push({
        ResourceType: 'collection',
        Resource: resource,
        Permission: [
          'aoss:DescribeCollectionItems',
          'aoss:CreateCollectionItems',
          'aoss:UpdateCollectionItems',
        ],
      });
      this.collectionArn = collection.arn;
      this.endpoint = collection.collectionEndpoint;
    } else {
      this.collectionArn = sharedCollectionArn(config);
      this.endpoint = collectionEndpoint(config, config.aws.searchCollection.id);
    }
    rules.push({
      ResourceType: 'index',
      Resource: [`index/${collectionName}/${this.indexPrefix}*`],
      Permission: INDEX_PERMISSIONS,
    });
    new OpensearchserverlessAccessPolicy(this, 'access', {
      name: props.name,
      type: 'data',
      description: `Tenant ${tenant.slug}: its indexes only`,
      policy: JSON.stringify([{ Rules: rules, Principal: [props.role.arn] }]),
      dependsOn,
    });
  }

  statements(): PolicyStatement[] {
    return [
      {
        Sid: 'TenantSearchCollection',
        Effect: 'Allow',
        Action: ['aoss:APIAccessAll'],
        Resource: [this.collectionArn],
      },
    ];
  }
}
