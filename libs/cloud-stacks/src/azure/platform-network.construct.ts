import { Construct } from 'constructs';
import { PrivateDnsZone } from '@cdktf/provider-azurerm/lib/private-dns-zone/index.js';
import { PrivateDnsZoneVirtualNetworkLink } from '@cdktf/provider-azurerm/lib/private-dns-zone-virtual-network-link/index.js';
import { Subnet } from '@cdktf/provider-azurerm/lib/subnet/index.js';
import { VirtualNetwork } from '@cdktf/provider-azurerm/lib/virtual-network/index.js';
import { prefixLength, subnet } from '../core/cidr.js';
import type { AzurePlatformConfig } from '../core/platform-config.js';

export interface AzurePlatformNetworkProps {
  readonly config: AzurePlatformConfig;
  readonly resourceGroupName: string;
  readonly tags: Record<string, string>;
}

/** Private DNS zones of the services that get private endpoints. */
export const PRIVATE_DNS_ZONES = {
  vault: 'privatelink.vaultcore.azure.net',
  cosmos: 'privatelink.documents.azure.com',
  search: 'privatelink.search.windows.net',
  openai: 'privatelink.openai.azure.com',
  registry: 'privatelink.azurecr.io',
} as const;

/**
 * VNet with a node subnet (first quarter of network.cidr; pods use the CNI overlay) and a
 * private-endpoint subnet (third quarter), and the private DNS zones linked to the VNet.
 */
export class AzurePlatformNetwork extends Construct {
  readonly vnet: VirtualNetwork;
  readonly nodeSubnet: Subnet;
  readonly endpointSubnet: Subnet;
  readonly dnsZones: Record<keyof typeof PRIVATE_DNS_ZONES, PrivateDnsZone>;

  constructor(scope: Construct, id: string, props: AzurePlatformNetworkProps) {
    super(scope, id);
    const { config, resourceGroupName, tags } = props;
    const cidr = config.network.cidr;
    const quarter = prefixLength(cidr) + 2;
    this.vnet = new VirtualNetwork(this, 'vnet', {
      name: `vnet-${config.prefix}-platform`,
      location: config.region,
      resourceGroupName,
      addressSpace: [cidr],
      tags,
    });
    this.nodeSubnet = new Subnet(this, 'nodes', {
      name: 'nodes',
      resourceGroupName,
      virtualNetworkName: this.vnet.name,
      addressPrefixes: [subnet(cidr, quarter, 0)],
    });
    this.endpointSubnet = new Subnet(this, 'private-endpoints', {
      name: 'private-endpoints',
      resourceGroupName,
      virtualNetworkName: this.vnet.name,
      addressPrefixes: [subnet(cidr, quarter, 2)],
      privateEndpointNetworkPolicies: 'Disabled',
    });
    const zones = {} as Record<keyof typeof PRIVATE_DNS_ZONES, PrivateDnsZone>;
    for (const [key, zoneName] of Object.entries(PRIVATE_DNS_ZONES) as [
      keyof typeof PRIVATE_DNS_ZONES,
      string,
    ][]) {
      const zone = new PrivateDnsZone(this, `zone-${key}`, { name: zoneName, resourceGroupName, tags });
      new PrivateDnsZoneVirtualNetworkLink(this, `zone-link-${key}`, {
        name: `${key}-platform`,
        resourceGroupName,
        privateDnsZoneName: zone.name,
        virtualNetworkId: this.vnet.id,
        registrationEnabled: false,
        tags,
      });
      zones[key] = zone;
    }
    this.dnsZones = zones;
  }
}
