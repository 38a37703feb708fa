import { Construct } from 'constructs';
import { PrivateEndpoint } from '@cdktf/provider-azurerm/lib/private-endpoint/index.js';

export interface AzurePrivateEndpointProps {
  readonly name: string;
  readonly location: string;
  readonly resourceGroupName: string;
  readonly subnetId: string;
  /** Resource the endpoint connects to. */
  readonly resourceId: string;
  /** Sub-resource ("group id"): vault, Sql, searchService. */
  readonly subresource: 'vault' | 'Sql' | 'searchService';
  /** Private DNS zone to register in. @default none: DNS is managed elsewhere */
  readonly dnsZoneId?: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** A private endpoint for one resource, registered in its private DNS zone when one is given. */
export class AzurePrivateEndpoint extends Construct {
  constructor(scope: Construct, id: string, props: AzurePrivateEndpointProps) {
    super(scope, id);
    new PrivateEndpoint(this, 'endpoint', {
      name: `pe-${props.name}`,
      location: props.location,
      resourceGroupName: props.resourceGroupName,
      subnetId: props.subnetId,
      privateServiceConnection: {
        name: `psc-${props.name}`,
        privateConnectionResourceId: props.resourceId,
        subresourceNames: [props.subresource],
        isManualConnection: false,
      },
      ...(props.dnsZoneId && {
        privateDnsZoneGroup: { name: 'default', privateDnsZoneIds: [props.dnsZoneId] },
      }),
      tags: { ...props.tags },
    });
  }
}
