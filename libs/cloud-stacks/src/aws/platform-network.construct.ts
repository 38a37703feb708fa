import { Construct } from 'constructs';
import { Eip } from '@cdktf/provider-aws/lib/eip/index.js';
import { InternetGateway } from '@cdktf/provider-aws/lib/internet-gateway/index.js';
import { NatGateway } from '@cdktf/provider-aws/lib/nat-gateway/index.js';
import { OpensearchserverlessVpcEndpoint } from '@cdktf/provider-aws/lib/opensearchserverless-vpc-endpoint/index.js';
import { Route } from '@cdktf/provider-aws/lib/route/index.js';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table/index.js';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association/index.js';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group/index.js';
import { Subnet } from '@cdktf/provider-aws/lib/subnet/index.js';
import { Vpc } from '@cdktf/provider-aws/lib/vpc/index.js';
import { prefixLength, subnet } from '../core/cidr.js';
import type { AwsPlatformConfig } from '../core/platform-config.js';

export interface AwsPlatformNetworkProps {
  readonly config: AwsPlatformConfig;
  readonly tags: Record<string, string>;
}

/**
 * VPC over two availability zones: private subnets (a quarter of network.cidr each) for nodes,
 * small public subnets for load balancers and the NAT gateway, and an OpenSearch Serverless VPC
 * endpoint so search collections need no public access.
 */
export class AwsPlatformNetwork extends Construct {
  readonly vpc: Vpc;
  readonly privateSubnets: Subnet[];
  readonly publicSubnets: Subnet[];
  readonly searchEndpoint: OpensearchserverlessVpcEndpoint;

  constructor(scope: Construct, id: string, props: AwsPlatformNetworkProps) {
    super(scope, id);
    const { config, tags } = props;
    const cidr = config.network.cidr;
    const bits = prefixLength(cidr);
    const zones = [`${config.region}a`, `${config.region}b`];
    this.vpc = new Vpc(this, 'vpc', {
      cidrBlock: cidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: { ...tags, Name: `${config.prefix}-platform` },
    });
    this.privateSubnets = zones.map(
      (zone, i) =>
        new Subnet(this, `private-${zone}`, {
          vpcId: this.vpc.id,
          availabilityZone: zone,
          cidrBlock: subnet(cidr, bits + 2, i),
          tags: { ...tags, Name: `${config.prefix}-private-${zone}`, 'kubernetes.io/role/internal-elb': '1' },
        }),
    );
    this.publicSubnets = zones.map(
      (zone, i) =>
        new Subnet(this, `public-${zone}`, {
          vpcId: this.vpc.id,
          availabilityZone: zone,
          cidrBlock: subnet(cidr, bits + 4, 8 + i),
          tags: { ...tags, Name: `${config.prefix}-public-${zone}`, 'kubernetes.io/role/elb': '1' },
        }),
    );
    const igw = new InternetGateway(this, 'internet-gateway', { vpcId: this.vpc.id, tags });
    const natIp = new Eip(this, 'nat-ip', { domain: 'vpc', tags });
    const nat = new NatGateway(this, 'nat', {
      allocationId: natIp.id,
      subnetId: this.publicSubnets[0]!.id,
      tags,
      dependsOn: [igw],
    });
    const publicRoutes = new RouteTable(this, 'public-routes', { vpcId: this.vpc.id, tags });
    new Route(this, 'public-default', {
      routeTableId: publicRoutes.id,
      destinationCidrBlock: '0.0.0.0/0',
      gatewayId: igw.id,
    });
    const privateRoutes = new RouteTable(this, 'private-routes', { vpcId: this.vpc.id, tags });
    new Route(this, 'private-default', {
      routeTableId: privateRoutes.id,
      destinationCidrBlock: '0.0.0.0/0',
      natGatewayId: nat.id,
    });
    this.publicSubnets.forEach(
      (s, i) =>
        new RouteTableAssociation(this, `public-${i}`, { subnetId: s.id, routeTableId: publicRoutes.id }),
    );
    this.privateSubnets.forEach(
      (s, i) =>
        new RouteTableAssociation(this, `private-${i}`, { subnetId: s.id, routeTableId: privateRoutes.id }),
    );

    const searchSg = new SecurityGroup(this, 'search-endpoint-sg', {
      name: `${config.prefix}-search-endpoint`,
      description: 'HTTPS from the VPC to OpenSearch Serverless',
      vpcId: this.vpc.id,
      ingress: [{ protocol: 'tcp', fromPort: 443, toPort: 443, cidrBlocks: [cidr], description: 'VPC' }],
      tags,
    });
    this.searchEndpoint = new OpensearchserverlessVpcEndpoint(this, 'search-endpoint', {
      name: `${config.prefix}-search`,
      vpcId: this.vpc.id,
      subnetIds: this.privateSubnets.map((s) => s.id),
      securityGroupIds: [searchSg.id],
    });
  }
}
