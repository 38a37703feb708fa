import { Construct } from 'constructs';
import { cerebroRestartConfig } from '@cw/tenant-model';
import { workloadLabels, selectorLabels, tenantLabels } from '../labels.js';
import { addObject } from './api.js';
import type { EnvVar, Placement, Resources, Volume } from './pod.js';
import { configFile, deploymentManifest, disruptionBudgetManifest, type ConfigFile } from './workload.js';

export const CEREBRO_NAME = 'cerebro';
export const CEREBRO_PORT = 5080;

export interface CerebroProps {
  readonly slug: string;
  readonly namespace: string;
  readonly image: string;
  readonly replicas: number;
  /** @default 'cerebro' */
  readonly serviceAccountName?: string;
  /** Extra pod labels (e.g. Azure workload identity). @default {} */
  readonly podLabels?: Record<string, string>;
  /** Non-secret configuration (config.json). */
  readonly config: unknown;
  /** Vault secrets volume. @default undefined (no secrets) */
  readonly secrets?: Volume;
  /** @default requests 250m / 512Mi, limits 1 / 1Gi */
  readonly resources?: Resources;
  /** @default undefined (any node) */
  readonly placement?: Placement;
  /** PodDisruptionBudget API version, decided by discovery. */
  readonly pdbApiVersion: 'policy/v1' | 'policy/v1beta1';
}

export const CEREBRO_RESOURCES: Resources = {
  requests: { cpu: '250m', memory: '512Mi' },
  limits: { cpu: '1', memory: '1Gi' },
};

/**
 * Cerebro, the tenant app: Deployment, Service on 5080 and a PodDisruptionBudget from two replicas
 * on. Its config file (`configFile`) goes into the tenant's one ConfigMap, which the chart adds.
 */
export class Cerebro extends Construct {
  readonly selector: Record<string, string>;
  /** Its config file, for the tenant's ConfigMap (the Deployment mounts this key only). */
  readonly configFile: ConfigFile;

  constructor(scope: Construct, id: string, props: CerebroProps) {
    super(scope, id);
    this.selector = selectorLabels(CEREBRO_NAME);
    const env: EnvVar[] = [
      { name: 'CW_TENANT', value: props.slug },
      { name: 'CW_PORT', value: String(CEREBRO_PORT) },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      ...(props.secrets ? [{ name: 'CW_SECRETS_DIR', value: props.secrets.mountPath }] : []),
    ];
    const workload = {
      slug: props.slug,
      namespace: props.namespace,
      name: CEREBRO_NAME,
      labels: workloadLabels(props.slug, CEREBRO_NAME, 'cerebro'),
      podLabels: props.podLabels ?? {},
      replicas: props.replicas,
      config: props.config,
      // cerebro reloads the engines' switches and plugins from its file (the kubelet rewrites the
      // mounted ConfigMap): a change of them alone must not roll its pods.
      restartConfig: cerebroRestartConfig(props.config),
      serviceAccountName: props.serviceAccountName ?? 'cerebro',
      containerName: CEREBRO_NAME,
      image: props.image,
      ports: [{ name: 'http', containerPort: CEREBRO_PORT }],
      env,
      resources: props.resources ?? CEREBRO_RESOURCES,
      liveness: { path: '/healthz', port: 'http' },
      readiness: { path: '/readyz', port: 'http' },
      volumes: props.secrets ? [props.secrets] : [],
      ...(props.placement ? { placement: props.placement } : {}),
    };
    this.configFile = configFile(workload);
    addObject(this, 'deployment', deploymentManifest(workload));
    addObject(this, 'service', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: CEREBRO_NAME, namespace: props.namespace, labels: workload.labels },
      spec: {
        type: 'ClusterIP',
        selector: this.selector,
        ports: [{ name: 'http', port: CEREBRO_PORT, targetPort: 'http', protocol: 'TCP' }],
      },
    });
    const pdb = disruptionBudgetManifest(workload, tenantLabels(props.slug), props.pdbApiVersion);
    if (pdb) addObject(this, 'pdb', pdb);
  }
}
