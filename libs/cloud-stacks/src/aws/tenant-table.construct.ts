import { Construct } from 'constructs';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table/index.js';
import type { AwsPlatformConfig } from '../core/platform-config.js';
import type { TenantContext } from '../core/tenant-context.js';
import { dynamodbEndpoint, sharedTableArn, type PolicyStatement } from './arns.js';

export interface AwsTenantTableProps {
  readonly tenant: TenantContext;
  readonly config: AwsPlatformConfig;
  /** Table name when dedicated. */
  readonly tableName: string;
  /** Encrypts a dedicated table. */
  readonly kmsKeyArn: string;
}

/** Item operations the tenant may run; no Scan: it carries no partition key, so LeadingKeys could not restrict it. */
const ITEM_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
];

/**
 * Dedicated: a table of its own (on-demand, PITR, the tenant's KMS key, deletion protection).
 * Shared: the items of the platform's table whose partition key starts with `<slug>#`, enforced
 * by `dynamodb:LeadingKeys` ('#' cannot occur in a slug, so "acme#" never matches "acme-corp#").
 */
export class AwsTenantTable extends Construct {
  readonly endpoint: string;
  readonly tableName: string;
  /** Partition key prefix of the tenant's items on a shared table. */
  readonly keyPrefix: string;
  private readonly table?: DynamodbTable;

  constructor(scope: Construct, id: string, props: AwsTenantTableProps) {
    super(scope, id);
    const { config, tenant } = props;
    this.endpoint = dynamodbEndpoint(config);
    this.keyPrefix = `${tenant.slug}#`;
    if (tenant.isolation === 'dedicated') {
      this.table = new DynamodbTable(this, 'table', {
        name: props.tableName,
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
        tags: { ...tenant.tags },
      });
      this.tableName = props.tableName;
    } else {
      this.tableName = config.aws.sharedTableName;
    }
  }

  statements(config: AwsPlatformConfig): PolicyStatement[] {
    if (this.table) {
      return [
        {
          Sid: 'TenantTable',
          Effect: 'Allow',
          Action: [...ITEM_ACTIONS, 'dynamodb:Scan', 'dynamodb:DescribeTable'],
          Resource: [this.table.arn, `${this.table.arn}/index/*`],
        },
      ];
    }
    return [
      {
        Sid: 'TenantItemsOfSharedTable',
        Effect: 'Allow',
        Action: ITEM_ACTIONS,
        Resource: [sharedTableArn(config)],
        // Null=false: a request without keys must not pass ForAllValues vacuously.
        Condition: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${this.keyPrefix}*`] },
          Null: { 'dynamodb:LeadingKeys': 'false' },
        },
      },
    ];
  }
}
