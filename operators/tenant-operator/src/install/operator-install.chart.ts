/**
 * The operator's install manifests (infra/k8s/operator/), generated with cdk8s so the RBAC rules
 * follow MANAGED_RESOURCES: the ClusterRole grants exactly the verbs the operator uses on exactly
 * the kinds it applies, and nothing else.
 */
import { App, Chart, type ChartProps } from 'cdk8s';
import type { Construct } from 'constructs';
import { stringify } from 'yaml';
import { MANAGED_RESOURCES } from '@cw/k8s-charts';
import { TENANT_GROUP, TENANT_PLURAL, generateTenantCrdYaml } from '@cw/tenant-model';
import { addObject } from './api-object.js';

export interface OperatorInstallProps extends ChartProps {
  /** @default 'cw-system' */
  readonly namespace?: string;
  /** @default 'registry.contextweaver.io/tenant-operator:0.1.0' */
  readonly image?: string;
  /** @default 2 */
  readonly replicas?: number;
}

const NAME = 'tenant-operator';

/** The operator container's memory limit (MiB). */
export const OPERATOR_MEMORY_LIMIT_MIB = 1024;

/**
 * V8's heap sized under the container's memory limit, as NODE_OPTIONS of the Deployment (the
 * benchmark runs the operator with the same flags). Without them Node 24 sizes the heap from the
 * machine's memory, not the container's: a 4 GiB old generation, grown up to 4× its live size
 * between major GCs, and a 128 MiB young generation — at 1,000 tenants the process peaked at 340 MB
 * resident for 86.5 MB of live heap. A 768 MiB old generation (room for ≈ 8,000 tenants at
 * 86.5 MB per 1,000) makes V8 grow it by a smaller factor; 16 MiB semi-spaces (Node 20's default)
 * cap the young generation at 48 MiB. Old + 3 semi-spaces stay under 80 % of the limit, the rest
 * for code, Buffers and TLS.
 */
export const OPERATOR_V8_HEAP = { maxOldSpaceMib: 768, maxSemiSpaceMib: 16 } as const;
export const OPERATOR_NODE_OPTIONS = `--max-old-space-size=${OPERATOR_V8_HEAP.maxOldSpaceMib} --max-semi-space-size=${OPERATOR_V8_HEAP.maxSemiSpaceMib}`;
const labels = {
  'app.kubernetes.io/name': NAME,
  'app.kubernetes.io/part-of': 'contextweaver',
  'app.kubernetes.io/component': 'operator',
};
const selector = { 'app.kubernetes.io/name': NAME };

/**
 * The verbs the operator uses: Tenants are cached (list, watch) and patched (finalizer, status);
 * what it manages is cached (list, watch), server-side applied (patch, and create for the
 * first apply) and pruned (delete); a namespace is read once more before the finalizer goes.
 */
export function clusterRoleRules(): Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }> {
  const byGroup = new Map<string, string[]>();
  for (const r of MANAGED_RESOURCES) byGroup.set(r.group, [...(byGroup.get(r.group) ?? []), r.plural]);
  return [
    { apiGroups: [TENANT_GROUP], resources: [TENANT_PLURAL], verbs: ['list', 'watch', 'patch'] },
    { apiGroups: [TENANT_GROUP], resources: [`${TENANT_PLURAL}/status`], verbs: ['patch'] },
    ...[...byGroup].map(([group, resources]) => ({
      apiGroups: [group],
      resources: resources.sort(),
      verbs: ['list', 'watch', 'create', 'patch', 'delete'],
    })),
    { apiGroups: [''], resources: ['namespaces'], verbs: ['get'] },
    // patch: repeats of an event are aggregated into its count (EventRecorder).
    { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
  ];
}

export class OperatorInstallChart extends Chart {
  constructor(scope: Construct, id: string, props: OperatorInstallProps = {}) {
    super(scope, id, { ...props, disableResourceNameHashes: true });
    const namespace = props.namespace ?? 'cw-system';
    addObject(this, 'namespace', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: namespace,
        labels: { ...labels, 'pod-security.kubernetes.io/enforce': 'restricted' },
      },
    });
    addObject(this, 'service-account', {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: NAME, namespace, labels },
    });
    addObject(this, 'cluster-role', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: NAME, labels },
      rules: clusterRoleRules(),
    });
    addObject(this, 'cluster-role-binding', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: NAME, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: NAME },
      subjects: [{ kind: 'ServiceAccount', name: NAME, namespace }],
    });
    // Leader election only needs Leases in the operator's own namespace.
    addObject(this, 'leader-election-role', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: `${NAME}-leader-election`, namespace, labels },
      rules: [
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
      ],
    });
    addObject(this, 'leader-election-binding', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: `${NAME}-leader-election`, namespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${NAME}-leader-election` },
      subjects: [{ kind: 'ServiceAccount', name: NAME, namespace }],
    });
    addObject(this, 'deployment', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: NAME, namespace, labels },
      spec: {
        // Two replicas: one leads, one stands by and takes over when the lease expires.
        replicas: props.replicas ?? 2,
        revisionHistoryLimit: 3,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: NAME,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 65532,
              runAsGroup: 65532,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            affinity: {
              podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [
                  {
                    weight: 100,
                    podAffinityTerm: {
                      topologyKey: 'kubernetes.io/hostname',
                      labelSelector: { matchLabels: selector },
                    },
                  },
                ],
              },
            },
            terminationGracePeriodSeconds: 30,
            containers: [
              {
                name: NAME,
                image: props.image ?? 'registry.contextweaver.io/tenant-operator:0.1.0',
                imagePullPolicy: 'IfNotPresent',
                env: [
                  { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                  { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                  { name: 'METRICS_PORT', value: '8080' },
                  { name: 'LOG_LEVEL', value: 'info' },
                  { name: 'NODE_OPTIONS', value: OPERATOR_NODE_OPTIONS },
                ],
                ports: [{ name: 'http-metrics', containerPort: 8080, protocol: 'TCP' }],
                livenessProbe: {
                  httpGet: { path: '/healthz', port: 'http-metrics' },
                  periodSeconds: 10,
                  failureThreshold: 3,
                },
                readinessProbe: {
                  httpGet: { path: '/readyz', port: 'http-metrics' },
                  periodSeconds: 5,
                  failureThreshold: 3,
                },
                resources: {
                  requests: { cpu: '100m', memory: '256Mi' },
                  limits: { cpu: '1', memory: `${OPERATOR_MEMORY_LIMIT_MIB}Mi` },
                },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  runAsNonRoot: true,
                  privileged: false,
                  capabilities: { drop: ['ALL'] },
                },
              },
            ],
          },
        },
      },
    });
    addObject(this, 'metrics-service', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `${NAME}-metrics`, namespace, labels },
      spec: {
        selector,
        ports: [{ name: 'http-metrics', port: 8080, targetPort: 'http-metrics', protocol: 'TCP' }],
      },
    });
  }
}

const HEADER =
  '# Generated by operators/tenant-operator/src/install/operator-install.chart.ts; do not edit by hand.\n' +
  '# Regenerate: node --import tsx operators/tenant-operator/src/install/generate.ts\n';

/** File name → content of infra/k8s/operator/. */
export function operatorInstallFiles(props: OperatorInstallProps = {}): Record<string, string> {
  const chart = new OperatorInstallChart(new App(), NAME, props);
  const docs = chart
    .toJson()
    .map((o: unknown) => stringify(o, { lineWidth: 0, aliasDuplicateObjects: false }));
  return {
    // A copy of infra/k8s/crds/, so `kubectl apply -f infra/k8s/operator/` installs everything (00- sorts first).
    '00-crd.yaml': generateTenantCrdYaml(),
    '10-operator.yaml': HEADER + docs.join('---\n'),
  };
}
