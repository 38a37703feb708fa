import { Construct } from 'constructs';
import { SearchService } from '@cdktf/provider-azurerm/lib/search-service/index.js';
import type { AzurePlatformConfig } from '../core/platform-config.js';
import { TENANT_SEARCH_INDEXES, type TenantContext } from '../core/tenant-context.js';
import { ROLES, searchEndpoint, sharedSearchServiceId } from './ids.js';
import { AzurePrivateEndpoint } from './private-endpoint.construct.js';
import type { AzureWorkloadIdentity } from './workload-identity.construct.js';

export interface AzureTenantSearchProps {
  readonly tenant: TenantContext;
  readonly config: AzurePlatformConfig;
  /** Service name when the tenant is dedicated. */
  readonly dedicatedServiceName: string;
  readonly resourceGroupName: string;
}

/**
 * Shared: indexes `<slug>-<suffix>` on the platform's AI Search service. Azure RBAC cannot scope
 * by prefix, so each index in TENANT_SEARCH_INDEXES gets its own role assignment at index scope.
 * Dedicated: a search service of its own (keys disabled) the tenant may manage fully.
 */
export class AzureTenantSearch extends Construct {
  readonly endpoint: string;
  /** Index name prefix of the tenant. */
  readonly indexPrefix: string;
  private readonly service?: SearchService;
  private readonly serviceId: string;

  constructor(scope: Construct, id: string, props: AzureTenantSearchProps) {
    super(scope, id);
    const { config, tenant } = props;
    this.indexPrefix = `${tenant.slug}-`;
    if (tenant.isolation === 'dedicated') {
      const privateEndpoints = config.azure.privateEndpoints;
      this.service = new SearchService(this, 'service', {
        name: props.dedicatedServiceName,
        location: config.region,
        resourceGroupName: props.resourceGroupName,
        sku: 'basic',
        localAuthenticationEnabled: false,
        publicNetworkAccessEnabled: !privateEndpoints,
        tags: { ...tenant.tags },
      });
      if (privateEndpoints) {
        new AzurePrivateEndpoint(this, 'private-endpoint', {
          name: props.dedicatedServiceName,
          location: config.region,
          resourceGroupName: props.resourceGroupName,
          subnetId: privateEndpoints.subnetId,
          resourceId: this.service.id,
          subresource: 'searchService',
          dnsZoneId: privateEndpoints.dnsZoneIds.search,
          tags: tenant.tags,
        });
      }
      this.serviceId = this.service.id;
      this.endpoint = searchEndpoint(props.dedicatedServiceName);
    } else {
      this.serviceId = sharedSearchServiceId(config);
      this.endpoint = searchEndpoint(config.azure.searchServiceName);
    }
  }

  /** Index names the tenant may use on a shared service. */
  get indexNames(): string[] {
    return TENANT_SEARCH_INDEXES.map((suffix) => `${this.indexPrefix}${suffix}`);
  }

  grantReadWrite(identity: AzureWorkloadIdentity): void {
    if (this.service) {
      identity.grant(this.serviceId, ROLES.searchIndexDataContributor);
      identity.grant(this.serviceId, ROLES.searchServiceContributor);
      return;
    }
    for (const index of this.indexNames)
      identity.grant(`${this.serviceId}/indexes/${index}`, ROLES.searchIndexDataContributor);
  }
}
