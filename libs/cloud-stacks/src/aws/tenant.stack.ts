/**
 * AWS tenant stack: KMS key + Secrets Manager path, DynamoDB table (or its items of the shared
 * table), OpenSearch Serverless access, and an IRSA role allowed exactly those.
 */
import type { TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import { OUTPUTS } from '../core/bindings.js';
import { cloudName } from '../core/naming.js';
import { addBindingOutputs } from '../core/outputs.js';
import type { AwsPlatformConfig } from '../core/platform-config.js';
import type { TenantContext } from '../core/tenant-context.js';
import { AwsIrsaRole } from './irsa-role.construct.js';
import { AwsTenantSearch } from './tenant-search.construct.js';
import { AwsTenantSecrets } from './tenant-secrets.construct.js';
import { AwsTenantTable } from './tenant-table.construct.js';

export function awsTenantNames(tenant: TenantContext, config: AwsPlatformConfig) {
  return {
    role: cloudName('awsIamRole', config.prefix, 'tenant', tenant.slug),
    table: cloudName('awsDynamoTable', config.prefix, 'tenant', tenant.slug),
    search: cloudName('awsOpenSearch', config.prefix, tenant.slug),
  };
}

export function buildAwsTenantStack(
  stack: TerraformStack,
  tenant: TenantContext,
  config: AwsPlatformConfig,
  issuer: string,
): void {
  const names = awsTenantNames(tenant, config);
  new AwsProvider(stack, 'aws', { region: config.region, allowedAccountIds: [config.aws.accountId] });
  const role = new AwsIrsaRole(stack, 'identity', { tenant, config, name: names.role, issuer });
  const secrets = new AwsTenantSecrets(stack, 'vault', { tenant, config });
  const table = new AwsTenantTable(stack, 'database', {
    tenant,
    config,
    tableName: names.table,
    kmsKeyArn: secrets.key.arn,
  });
  const search = new AwsTenantSearch(stack, 'search', { tenant, config, name: names.search, role });
  role.allow([...secrets.statements(), ...table.statements(config), ...search.statements()]);

  addBindingOutputs(stack, config, {
    [OUTPUTS.vaultUri]: secrets.vaultUri,
    [OUTPUTS.databaseEndpoint]: table.endpoint,
    [OUTPUTS.databaseName]: table.tableName,
    [OUTPUTS.searchEndpoint]: search.endpoint,
    [OUTPUTS.searchIndex]: search.indexPrefix,
    [OUTPUTS.identityRoleArn]: role.arn,
  });
}
