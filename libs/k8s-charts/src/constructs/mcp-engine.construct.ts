import { Construct } from 'constructs';
import { selectorLabels, workloadLabels } from '../labels.js';
import { addObject } from './api.js';
import type { Placement, Resources } from './pod.js';
import { configMapManifest, deploymentManifest } from './workload.js';

export const ENGINE_DASHBOARD_PORT = 5000;
export const ENGINE_MCP_PORT = 5001;
export const engineWorkloadName = (engine: string): string => `engine-${engine}`;

export interface McpEngineProps {
  readonly slug: string;
  readonly namespace: string;
  /** spec.engines[].name */
  readonly engine: string;
  readonly image: string;
  readonly replicas: number;
  readonly plugins: readonly string[];
  readonly readOnly: boolean;
  readonly maintenance: boolean;
  readonly auditLog: boolean;
  /** @default 'mcp-engine' */
  readonly serviceAccountName?: string;
  /** @default {} */
  readonly podLabels?: Record<string, string>;
  /** @default requests 100m / 256Mi, limits 500m / 512Mi */
  readonly resources?: Resources;
  /** @default undefined (any node) */
  readonly placement?: Placement;
  /** PodDisruptionBudget API version, decided by discovery. */
  readonly pdbApiVersion: 'policy/v1' | 'policy/v1beta1';
}

export const ENGINE_RESOURCES: Resources = {
  requests: { cpu: '100m', memory: '256Mi' },
  limits: { cpu: '500m', memory: '512Mi' },
};

/**
 * One MCP engine: Deployment `engine-<name>`, Service with the dashboard (5000) and MCP (5001)
 * ports, its configuration (plugins, readOnly, maintenance, auditLog) as a mounted file, and a
 * PodDisruptionBudget so a node drain never takes all of a multi-replica engine's tool servers
 * at once.
 */
export class McpEngine extends Construct {
  readonly name: string;

  constructor(scope: Construct, id: string, props: McpEngineProps) {
    super(scope, id);
    this.name = engineWorkloadName(props.engine);
    const labels = workloadLabels(props.slug, this.name, 'mcp-engine');
    const workload = {
      slug: props.slug,
      namespace: props.namespace,
      name: this.name,
      labels,
      podLabels: props.podLabels ?? {},
      replicas: props.replicas,
      config: {
        tenant: props.slug,
        engine: props.engine,
        plugins: [...props.plugins],
        readOnly: props.readOnly,
        maintenance: props.maintenance,
        auditLog: props.auditLog,
        ports: { dashboard: ENGINE_DASHBOARD_PORT, mcp: ENGINE_MCP_PORT },
      },
      serviceAccountName: props.serviceAccountName ?? 'mcp-engine',
      containerName: 'mcp-engine',
      image: props.image,
      // Istio picks the protocol from the port name prefix: both ports speak HTTP.
      ports: [
        { name: 'http-dashboard', containerPort: ENGINE_DASHBOARD_PORT },
        { name: 'http-mcp', containerPort: ENGINE_MCP_PORT },
      ],
      env: [
        { name: 'CW_TENANT', value: props.slug },
        { name: 'CW_ENGINE', value: props.engine },
      ],
      resources: props.resources ?? ENGINE_RESOURCES,
      liveness: { path: '/healthz', port: 'http-dashboard' },
      readiness: { path: '/readyz', port: 'http-dashboard' },
      volumes: [],
      ...(props.placement ? { placement: props.placement } : {}),
    };
    addObject(this, 'config', configMapManifest(workload));
    addObject(this, 'deployment', deploymentManifest(workload));
    addObject(this, 'service', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: this.name, namespace: props.namespace, labels },
      spec: {
        type: 'ClusterIP',
        selector: selectorLabels(this.name),
        ports: [
          {
            name: 'http-dashboard',
            port: ENGINE_DASHBOARD_PORT,
            targetPort: 'http-dashboard',
            protocol: 'TCP',
          },
          { name: 'http-mcp', port: ENGINE_MCP_PORT, targetPort: 'http-mcp', protocol: 'TCP' },
        ],
      },
    });
    // maxUnavailable (not minAvailable), as for cerebro: a single replica, or zero while
    // suspended, never blocks a node drain; two or more keep all but one serving.
    addObject(this, 'pdb', {
      apiVersion: props.pdbApiVersion,
      kind: 'PodDisruptionBudget',
      metadata: { name: this.name, namespace: props.namespace, labels },
      spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(this.name) } },
    });
  }
}
