import { Construct } from 'constructs';
import { tenantLabels } from '../labels.js';
import { addObject } from './api.js';

export interface MeshIsolationProps {
  readonly slug: string;
  readonly namespace: string;
  /** @default 'cluster.local' */
  readonly trustDomain?: string;
  readonly gatewayNamespace: string;
  readonly gatewayServiceAccount: string;
  /** The only port the gateway may call (cerebro's). */
  readonly ingressPort: number;
}

/**
 * Istio mutual TLS only (PeerAuthentication STRICT) and an ALLOW AuthorizationPolicy whose only
 * sources are the tenant's own workload identities and the ingress gateway's; with an ALLOW
 * policy in place, everything else is denied.
 */
export class MeshIsolation extends Construct {
  constructor(scope: Construct, id: string, props: MeshIsolationProps) {
    super(scope, id);
    const td = props.trustDomain ?? 'cluster.local';
    const metadata = (name: string) => ({
      name,
      namespace: props.namespace,
      labels: tenantLabels(props.slug),
    });
    addObject(this, 'peer-authentication', {
      apiVersion: 'security.istio.io/v1',
      kind: 'PeerAuthentication',
      metadata: metadata('default'),
      spec: { mtls: { mode: 'STRICT' } },
    });
    addObject(this, 'authorization-policy', {
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: metadata('allow-tenant-and-gateway'),
      spec: {
        action: 'ALLOW',
        rules: [
          { from: [{ source: { principals: [`${td}/ns/${props.namespace}/sa/*`] } }] },
          {
            from: [
              {
                source: {
                  principals: [`${td}/ns/${props.gatewayNamespace}/sa/${props.gatewayServiceAccount}`],
                },
              },
            ],
            to: [{ operation: { ports: [String(props.ingressPort)] } }],
          },
        ],
      },
    });
  }
}
