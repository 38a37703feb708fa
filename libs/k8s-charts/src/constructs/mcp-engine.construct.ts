import { Construct } from 'constructs';
import { ENGINE_HOT_FIELDS, type EngineConfig, type TenantOnboarding } from '@cw/tenant-model';
import { selectorLabels, workloadLabels } from '../labels.js';
import { addObject } from './api.js';
import type { Placement, Resources, Volume } from './pod.js';
import { configFile, deploymentManifest, disruptionBudgetManifest, type ConfigFile } from './workload.js';

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
  /** The engine config file, typed and validated by the engine's own schema (see engineConfig()). */
  readonly config: EngineConfig;
  /** Vault secrets volume (the audit salt). @default undefined (no secrets) */
  readonly secrets?: Volume;
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
  /**
   * The tenant's onboarding (its Tenant's onboarding annotations): the engine records stage
   * first_tool_call against it. Constant for a tenant's life, so it never rolls the pods.
   * @default undefined (not recorded)
   */
  readonly onboarding?: TenantOnboarding;
}

export const ENGINE_RESOURCES: Resources = {
  requests: { cpu: '100m', memory: '256Mi' },
  limits: { cpu: '500m', memory: '512Mi' },
};

/**
 * One MCP engine: Deployment `engine-<name>`, Service with the dashboard (5000) and MCP (5001)
 * ports, its configuration (the engine config file: plugins, switches, auth, store, vault) as a
 * mounted file — its key in the tenant's one ConfigMap, `configFile`, which the chart adds — and
 * from two replicas on a PodDisruptionBudget so a node drain never takes all of the engine's tool
 * servers at once.
 */
export class McpEngine extends Construct {
  readonly name: string;
  /** Its config file, for the tenant's ConfigMap (the Deployment mounts this key only). */
  readonly configFile: ConfigFile;

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
      config: props.config,
      // The engine watches its file and applies these without a restart: a change of them alone
      // must not roll the pods (the kubelet updates the mounted file in place).
      restartConfig: Object.fromEntries(
        Object.entries(props.config).filter(([k]) => !(ENGINE_HOT_FIELDS as readonly string[]).includes(k)),
      ),
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
        ...(props.secrets ? [{ name: 'CW_SECRETS_DIR', value: props.secrets.mountPath }] : []),
        ...(props.onboarding
          ? [
              { name: 'CW_ONBOARDING_CORRELATION_ID', value: props.onboarding.correlationId },
              { name: 'CW_ONBOARDING_SINCE', value: props.onboarding.since },
            ]
          : []),
      ],
      resources: props.resources ?? ENGINE_RESOURCES,
      liveness: { path: '/healthz', port: 'http-dashboard' },
      readiness: { path: '/readyz', port: 'http-dashboard' },
      volumes: props.secrets ? [props.secrets] : [],
      ...(props.placement ? { placement: props.placement } : {}),
    };
    this.configFile = configFile(workload);
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
    const pdb = disruptionBudgetManifest(workload, labels, props.pdbApiVersion);
    if (pdb) addObject(this, 'pdb', pdb);
  }
}
