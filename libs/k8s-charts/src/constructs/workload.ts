/** The Deployment both tenant workloads are made of, and the ConfigMap entry it mounts. */
import { canonicalJson, sha256, type KubeObject } from '../kube-object.js';
import { selectorLabels, tenantLabels } from '../labels.js';
import { hardenedPodSpec, type HardenedPodProps } from './pod.js';

export const CONFIG_DIR = '/etc/contextweaver';
export const ANNOTATION_CONFIG_HASH = 'platform.contextweaver.io/config-hash';

export interface WorkloadProps extends Omit<HardenedPodProps, 'volumes'> {
  readonly slug: string;
  readonly namespace: string;
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly podLabels: Record<string, string>;
  readonly replicas: number;
  /** Non-secret configuration, mounted as config.json. */
  readonly config: unknown;
  /** The part of `config` whose change must restart the pods. @default config (all of it) */
  readonly restartConfig?: unknown;
  readonly volumes: HardenedPodProps['volumes'];
}

/**
 * One ConfigMap per tenant carries every workload's config file, each under its own key
 * (`cerebro.json`, `engine-<name>.json`); a Deployment mounts only its own key (`items`) as
 * `config.json`. One object instead of one per workload saves a write per engine on every cold
 * start (ADR 0005); the pod still sees exactly one file, its own, and its rollout hash covers
 * only that file, so a change of cerebro's config does not roll the engines and vice versa.
 */
export const TENANT_CONFIG_MAP = 'tenant-config';

/** The key of a workload's config file in the tenant's ConfigMap. */
export function configKey(workload: string): string {
  return `${workload}.json`;
}

/** A workload's config file as its ConfigMap key holds it. */
export interface ConfigFile {
  readonly key: string;
  readonly text: string;
}

export function configFile(p: Pick<WorkloadProps, 'name' | 'config'>): ConfigFile {
  return { key: configKey(p.name), text: `${JSON.stringify(p.config, null, 2)}\n` };
}

/** What a ConfigMap's `data` may hold in all (the API server refuses more). */
export const CONFIG_MAP_MAX_BYTES = 1024 * 1024;

/** The tenant's one ConfigMap, holding the config file of each workload under its own key. */
export function tenantConfigMapManifest(
  slug: string,
  namespace: string,
  files: readonly ConfigFile[],
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: TENANT_CONFIG_MAP, namespace, labels: tenantLabels(slug) },
    data: Object.fromEntries(files.map((f) => [f.key, f.text])),
  };
}

/**
 * The PodDisruptionBudget of a workload, or none when it runs fewer than two replicas.
 * `maxUnavailable: 1` (not minAvailable) so a drain never takes all of a multi-replica workload
 * at once and never blocks on one. Below two replicas a budget guards nothing: with one healthy
 * pod it allows that pod's eviction (1 − 1 = 0 must stay), with an unhealthy one it refuses the
 * eviction on Kubernetes before 1.26 (a drain stuck on a crash-looping pod), and at zero
 * (suspended) there is nothing to guard. Not rendering it saves a write and an object per
 * single-replica workload; scaling to two renders it (applied), back to one prunes it.
 */
export function disruptionBudgetManifest(
  p: Pick<WorkloadProps, 'name' | 'namespace' | 'replicas'>,
  labels: Record<string, string>,
  apiVersion: 'policy/v1' | 'policy/v1beta1',
): KubeObject | undefined {
  if (p.replicas < 2) return undefined;
  return {
    apiVersion,
    kind: 'PodDisruptionBudget',
    metadata: { name: p.name, namespace: p.namespace, labels },
    spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(p.name) } },
  };
}

export function deploymentManifest(p: WorkloadProps): KubeObject {
  const config = {
    name: 'config',
    mountPath: CONFIG_DIR,
    // Only this workload's key, as config.json: the pod never sees another workload's config.
    source: {
      configMap: { name: TENANT_CONFIG_MAP, items: [{ key: configKey(p.name), path: 'config.json' }] },
    },
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: p.name, namespace: p.namespace, labels: p.labels },
    spec: {
      replicas: p.replicas,
      revisionHistoryLimit: 3,
      selector: { matchLabels: selectorLabels(p.name) },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: {
          labels: { ...p.labels, ...p.podLabels },
          annotations: {
            // Content hash (never a timestamp): pods roll exactly when their configuration changes.
            [ANNOTATION_CONFIG_HASH]: sha256(canonicalJson(p.restartConfig ?? p.config)).slice(0, 16),
            'kubectl.kubernetes.io/default-container': p.containerName,
          },
        },
        spec: hardenedPodSpec({
          ...p,
          env: [{ name: 'CW_CONFIG_FILE', value: `${CONFIG_DIR}/config.json` }, ...p.env],
          volumes: [config, ...p.volumes],
        }),
      },
    },
  };
}
