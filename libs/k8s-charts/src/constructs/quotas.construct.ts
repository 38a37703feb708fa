import { Construct } from 'constructs';
import type { PlanQuota } from '@cw/tenant-model';
import { tenantLabels } from '../labels.js';
import { minQuantity } from '../quantity.js';
import { addObject } from './api.js';
import type { Resources } from './pod.js';

export interface QuotasProps {
  readonly slug: string;
  readonly namespace: string;
  /** The plan's quota with the tenant's overrides applied (effectiveQuota). */
  readonly quota: PlanQuota;
  /**
   * Requests and limits given to a container that declares none.
   * @default requests 100m / 128Mi, limits 500m / 512Mi
   */
  readonly containerDefaults?: Resources;
}

const DEFAULTS: Resources = {
  requests: { cpu: '100m', memory: '128Mi' },
  limits: { cpu: '500m', memory: '512Mi' },
};

/**
 * ResourceQuota (CPU, memory, pods of the namespace) and a LimitRange that gives every container
 * requests and limits — the quota rejects pods without them — capped at the namespace quota.
 */
export class Quotas extends Construct {
  constructor(scope: Construct, id: string, props: QuotasProps) {
    super(scope, id);
    const { cpu, memory, pods } = props.quota;
    const d = props.containerDefaults ?? DEFAULTS;
    const metadata = (name: string) => ({
      name,
      namespace: props.namespace,
      labels: tenantLabels(props.slug),
    });
    addObject(this, 'resource-quota', {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: metadata('tenant-quota'),
      spec: {
        hard: {
          'requests.cpu': cpu,
          'limits.cpu': cpu,
          'requests.memory': memory,
          'limits.memory': memory,
          pods: String(pods),
        },
      },
    });
    // A default above the max would make the LimitRange invalid: clamp defaults to the quota.
    addObject(this, 'limit-range', {
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: metadata('tenant-limits'),
      spec: {
        limits: [
          {
            type: 'Container',
            default: { cpu: minQuantity(d.limits.cpu, cpu), memory: minQuantity(d.limits.memory, memory) },
            defaultRequest: {
              cpu: minQuantity(d.requests.cpu, cpu),
              memory: minQuantity(d.requests.memory, memory),
            },
            max: { cpu, memory },
          },
        ],
      },
    });
  }
}
