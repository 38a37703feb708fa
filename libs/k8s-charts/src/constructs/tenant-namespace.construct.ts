import { Construct } from 'constructs';
import { LABEL_PLAN, tenantNamespace, type PlanName } from '@cw/tenant-model';
import { tenantLabels } from '../labels.js';
import { addObject } from './api.js';

export type PodSecurityLevel = 'restricted' | 'baseline' | 'privileged';

export interface TenantNamespaceProps {
  readonly slug: string;
  readonly plan: PlanName;
  /**
   * Pod Security Standard enforced (and audited, warned) in the namespace.
   * @default 'restricted'
   */
  readonly podSecurity?: PodSecurityLevel;
  /**
   * Label the namespace for Istio sidecar injection.
   * @default true
   */
  readonly istioInjection?: boolean;
}

/** The tenant's namespace `tenant-<slug>`: the unit of isolation everything else lives in. */
export class TenantNamespace extends Construct {
  readonly name: string;

  constructor(scope: Construct, id: string, props: TenantNamespaceProps) {
    super(scope, id);
    this.name = tenantNamespace(props.slug);
    const level = props.podSecurity ?? 'restricted';
    addObject(this, 'namespace', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: this.name,
        labels: {
          ...tenantLabels(props.slug),
          [LABEL_PLAN]: props.plan,
          'pod-security.kubernetes.io/enforce': level,
          'pod-security.kubernetes.io/enforce-version': 'latest',
          'pod-security.kubernetes.io/audit': level,
          'pod-security.kubernetes.io/warn': level,
          ...((props.istioInjection ?? true) ? { 'istio-injection': 'enabled' } : {}),
        },
      },
    });
  }
}
