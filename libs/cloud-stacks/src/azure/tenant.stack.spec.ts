import { describe, expect, it } from 'vitest';
import { LONG_SLUG, listOf, makeTenant, only, refOf, resourcesOf, typesOf } from '../../test/fixtures.js';
import { defaultPlatformConfig } from '../core/platform-defaults.js';
import { parsePlatformConfig, type PlatformConfig } from '../core/platform-config.js';
import { TENANT_SERVICE_ACCOUNTS } from '../core/tenant-context.js';
import { synthesizeTenantStack } from '../tenant-stack.js';

const platform = defaultPlatformConfig('azure');
const SUB = `/subscriptions/${platform.azure.subscriptionId}`;
const SHARED_RG = `${SUB}/resourceGroups/${platform.azure.resourceGroupName}`;
const SHARED_COSMOS = `${SHARED_RG}/providers/Microsoft.DocumentDB/databaseAccounts/${platform.azure.cosmosAccountName}`;
const SHARED_SEARCH = `${SHARED_RG}/providers/Microsoft.Search/searchServices/${platform.azure.searchServiceName}`;
const withPrivateEndpoints = parsePlatformConfig({
  ...platform,
  azure: {
    ...platform.azure,
    privateEndpoints: {
      subnetId: `${SHARED_RG}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/private-endpoints`,
    },
  },
});

const synth = (isolation: 'shared' | 'dedicated', slug = 'acme', config: PlatformConfig = platform) =>
  synthesizeTenantStack(makeTenant({ cloud: 'azure', slug, isolation }), config).json;

describe('Azure tenant stack', () => {
  const shared = synth('shared');
  const dedicated = synth('dedicated');

  it('federates the identity with exactly the tenant namespace ServiceAccounts of the platform cluster', () => {
    for (const json of [shared, dedicated]) {
      const credentials = listOf(json, 'azurerm_federated_identity_credential');
      expect(credentials.map((c) => c.subject).sort()).toEqual(
        TENANT_SERVICE_ACCOUNTS.map((sa) => `system:serviceaccount:tenant-acme:${sa}`).sort(),
      );
      for (const credential of credentials) {
        expect(credential.issuer).toBe(platform.cluster.oidcIssuer);
        expect(credential.audience).toEqual(['api://AzureADTokenExchange']);
        expect(credential.parent_id).toBe(refOf(json, 'azurerm_user_assigned_identity', 'id'));
      }
    }
  });

  it('grants the identity roles only on the tenant vault and the tenant search indexes (shared)', () => {
    const principal = refOf(shared, 'azurerm_user_assigned_identity', 'principal_id');
    const grants = listOf(shared, 'azurerm_role_assignment');
    expect(grants.map((g) => [g.role_definition_name, g.scope])).toEqual([
      ['Key Vault Secrets User', refOf(shared, 'azurerm_key_vault', 'id')],
      ['Search Index Data Contributor', `${SHARED_SEARCH}/indexes/acme-documents`],
      ['Search Index Data Contributor', `${SHARED_SEARCH}/indexes/acme-memory`],
    ]);
    for (const grant of grants) expect(grant.principal_id).toBe(principal);
  });

  it('scopes the Cosmos DB data role to the tenant database of the shared account', () => {
    const assignment = only(shared, 'azurerm_cosmosdb_sql_role_assignment');
    expect(assignment.scope).toBe(`${SHARED_COSMOS}/dbs/tenant-acme`);
    expect(assignment.role_definition_id).toBe(
      `${SHARED_COSMOS}/sqlRoleDefinitions/00000000-0000-0000-0000-000000000002`,
    );
    expect(assignment.principal_id).toBe(refOf(shared, 'azurerm_user_assigned_identity', 'principal_id'));
    expect(only(shared, 'azurerm_cosmosdb_sql_database')).toMatchObject({
      name: 'tenant-acme',
      account_name: platform.azure.cosmosAccountName,
    });
    expect(listOf(shared, 'azurerm_cosmosdb_sql_container').map((c) => c.name)).toEqual([
      'documents',
      'sessions',
      'audit',
    ]);
  });

  it('never grants at subscription or resource-group scope, nor an administrative role', () => {
    for (const json of [shared, dedicated, synth('dedicated', 'acme', withPrivateEndpoints)]) {
      const scopes = [
        ...listOf(json, 'azurerm_role_assignment'),
        ...listOf(json, 'azurerm_cosmosdb_sql_role_assignment'),
      ].map((g) => String(g.scope));
      for (const scope of scopes) {
        expect(scope).not.toMatch(/^\/subscriptions\/[^/]+(\/resourceGroups\/[^/]+)?\/?$/);
        expect(scope.startsWith('${azurerm_') || scope.startsWith(`${SHARED_RG}/providers/`)).toBe(true);
      }
      for (const grant of listOf(json, 'azurerm_role_assignment'))
        expect(grant.role_definition_name).not.toMatch(/Owner|^Contributor$|Administrator/);
    }
  });

  it('makes the Key Vault RBAC-only with purge protection; private endpoint and no public access when configured', () => {
    expect(only(shared, 'azurerm_key_vault')).toMatchObject({
      name: 'kv-cw-acme',
      rbac_authorization_enabled: true,
      purge_protection_enabled: true,
      tenant_id: platform.azure.tenantId,
      public_network_access_enabled: true,
    });
    expect(only(shared, 'azurerm_key_vault')).not.toHaveProperty('access_policy');
    const json = synth('shared', 'acme', withPrivateEndpoints);
    expect(only(json, 'azurerm_key_vault')).toMatchObject({
      public_network_access_enabled: false,
      network_acls: { default_action: 'Deny' },
    });
    expect(only(json, 'azurerm_private_endpoint').private_service_connection).toMatchObject({
      private_connection_resource_id: refOf(json, 'azurerm_key_vault', 'id'),
      subresource_names: ['vault'],
    });
    const dedicatedPrivate = synth('dedicated', 'acme', withPrivateEndpoints);
    expect(
      listOf(dedicatedPrivate, 'azurerm_private_endpoint')
        .map((e) => (e.private_service_connection as { subresource_names: string[] }).subresource_names[0])
        .sort(),
    ).toEqual(['Sql', 'searchService', 'vault']);
  });

  it('shared uses the platform account and search service; dedicated gets its own, keys disabled', () => {
    expect(typesOf(shared)).not.toContain('azurerm_cosmosdb_account');
    expect(typesOf(shared)).not.toContain('azurerm_search_service');
    expect(only(dedicated, 'azurerm_cosmosdb_account')).toMatchObject({
      name: 'cosmos-cw-acme',
      local_authentication_disabled: true,
      capabilities: [{ name: 'EnableServerless' }],
    });
    expect(only(dedicated, 'azurerm_search_service')).toMatchObject({
      name: 'srch-cw-acme',
      local_authentication_enabled: false,
    });
    const service = refOf(dedicated, 'azurerm_search_service', 'id');
    expect(
      listOf(dedicated, 'azurerm_role_assignment')
        .filter((g) => g.scope === service)
        .map((g) => g.role_definition_name),
    ).toEqual(['Search Index Data Contributor', 'Search Service Contributor']);
    expect(only(dedicated, 'azurerm_cosmosdb_sql_role_assignment').scope).toBe(
      `${refOf(dedicated, 'azurerm_cosmosdb_account', 'id')}/dbs/tenant-acme`,
    );
    expect(only(dedicated, 'azurerm_key_vault').sku_name).toBe('premium');
  });

  it('tags every taggable resource with tenant, plan and managed-by', () => {
    for (const [type, byName] of Object.entries(dedicated.resource ?? {})) {
      for (const resource of Object.values(byName)) {
        if (!('tags' in resource)) continue;
        expect(resource.tags, type).toMatchObject({
          tenant: 'acme',
          plan: 'enterprise',
          'managed-by': 'contextweaver',
        });
      }
    }
    expect(Object.keys(resourcesOf(dedicated, 'azurerm_resource_group'))).toHaveLength(1);
  });

  it('derives valid names from a 40-character slug', () => {
    const json = synth('dedicated', LONG_SLUG);
    const vault = String(only(json, 'azurerm_key_vault').name);
    expect(vault).toMatch(/^kv-cw-northwind-t-[0-9a-f]{6}$/);
    expect(vault.length).toBeLessThanOrEqual(24);
    expect(String(only(json, 'azurerm_cosmosdb_account').name).length).toBeLessThanOrEqual(44);
    expect(String(only(json, 'azurerm_search_service').name).length).toBeLessThanOrEqual(60);
    expect(listOf(json, 'azurerm_federated_identity_credential').map((c) => c.subject)).toContain(
      `system:serviceaccount:tenant-${LONG_SLUG}:cerebro`,
    );
  });
});
