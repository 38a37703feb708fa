import { Construct } from 'constructs';
import { tenantLabels } from '../labels.js';
import type { RoutingMode } from '../options.js';
import { addObject } from './api.js';

export interface RoutingProps {
  readonly slug: string;
  readonly namespace: string;
  readonly hostname: string;
  readonly mode: RoutingMode;
  /** Service and port the hostname routes to. */
  readonly service: string;
  readonly port: number;
  /** Gateway the HTTPRoute attaches to (mode gateway). */
  readonly gateway: { readonly namespace: string; readonly name: string };
  /** IngressClass of the Ingress (mode ingress). */
  readonly ingressClassName: string;
}

/**
 * The tenant's hostname routed to cerebro: a Gateway API HTTPRoute attached to the platform
 * gateway, or an Ingress of the platform ingress class. Closed choice, one object either way.
 */
export class Routing extends Construct {
  static readonly MODES: readonly RoutingMode[] = ['gateway', 'ingress'];

  constructor(scope: Construct, id: string, props: RoutingProps) {
    super(scope, id);
    const metadata = { name: props.service, namespace: props.namespace, labels: tenantLabels(props.slug) };
    if (props.mode === 'gateway') {
      addObject(this, 'http-route', {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata,
        spec: {
          parentRefs: [
            {
              group: 'gateway.networking.k8s.io',
              kind: 'Gateway',
              namespace: props.gateway.namespace,
              name: props.gateway.name,
            },
          ],
          hostnames: [props.hostname],
          rules: [
            {
              matches: [{ path: { type: 'PathPrefix', value: '/' } }],
              // group is left to its default (the core group, ""): an empty string does not survive apply.
              backendRefs: [{ kind: 'Service', name: props.service, port: props.port, weight: 1 }],
            },
          ],
        },
      });
      return;
    }
    addObject(this, 'ingress', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata,
      spec: {
        ingressClassName: props.ingressClassName,
        rules: [
          {
            host: props.hostname,
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: { service: { name: props.service, port: { number: props.port } } },
                },
              ],
            },
          },
        ],
      },
    });
  }
}
