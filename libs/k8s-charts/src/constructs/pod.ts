/**
 * The hardened pod every tenant workload runs in: non-root, read-only root filesystem, no
 * privilege escalation, every capability dropped, seccomp RuntimeDefault, probes, requests and
 * limits — what Pod Security `restricted` demands, plus the resources a ResourceQuota needs.
 */
export interface Resources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

export interface HttpProbe {
  readonly path: string;
  /** Named container port. */
  readonly port: string;
}

export interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: { readonly fieldRef: { readonly fieldPath: string } };
}

export interface Volume {
  readonly name: string;
  readonly mountPath: string;
  /** The pod volume source (configMap, csi, secret, emptyDir). */
  readonly source: Record<string, unknown>;
}

/** Where a pod may run: a dedicated node pool's selector and toleration. */
export interface Placement {
  readonly nodeSelector: Record<string, string>;
  readonly tolerations: Array<Record<string, string>>;
}

export interface HardenedPodProps {
  readonly serviceAccountName: string;
  readonly containerName: string;
  readonly image: string;
  readonly ports: ReadonlyArray<{ readonly name: string; readonly containerPort: number }>;
  readonly env: readonly EnvVar[];
  readonly resources: Resources;
  readonly liveness: HttpProbe;
  readonly readiness: HttpProbe;
  readonly volumes: readonly Volume[];
  /** @default undefined (any node) */
  readonly placement?: Placement;
}

/** Where tenant apps keep local data (embedded store, dev outbox); an emptyDir. */
export const DATA_DIR = '/var/lib/contextweaver';

/** UID/GID of the tenant images' unprivileged user. */
export const RUN_AS_USER = 10001;

const probe = (p: HttpProbe, failureThreshold: number) => ({
  httpGet: { path: p.path, port: p.port, scheme: 'HTTP' },
  periodSeconds: 10,
  timeoutSeconds: 2,
  failureThreshold,
});

export function hardenedPodSpec(props: HardenedPodProps): Record<string, unknown> {
  // The root filesystem is read-only: /tmp and the app's data directory (a local tenant's
  // embedded store, the dev outbox) are the only writable paths. An emptyDir lives as long as
  // the pod: tenants that must keep data across restarts bind a database (spec.bindings.database).
  const volumes = [
    { name: 'tmp', mountPath: '/tmp', source: { emptyDir: { sizeLimit: '256Mi' } } },
    { name: 'data', mountPath: DATA_DIR, source: { emptyDir: { sizeLimit: '1Gi' } } },
    ...props.volumes,
  ];
  return {
    serviceAccountName: props.serviceAccountName,
    // Workload identity webhooks project their own tokens; the API token is never needed.
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: RUN_AS_USER,
      runAsGroup: RUN_AS_USER,
      fsGroup: RUN_AS_USER,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    ...(props.placement
      ? { nodeSelector: props.placement.nodeSelector, tolerations: props.placement.tolerations }
      : {}),
    containers: [
      {
        name: props.containerName,
        image: props.image,
        imagePullPolicy: 'IfNotPresent',
        ports: props.ports.map((p) => ({ name: p.name, containerPort: p.containerPort, protocol: 'TCP' })),
        env: props.env,
        resources: props.resources,
        livenessProbe: probe(props.liveness, 6),
        readinessProbe: probe(props.readiness, 3),
        securityContext: {
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          privileged: false,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        },
        // readOnly: false is left out: the API server drops false values, which would read as drift.
        volumeMounts: volumes.map((v) => ({
          name: v.name,
          mountPath: v.mountPath,
          ...(v.name === 'tmp' || v.name === 'data' ? {} : { readOnly: true }),
        })),
      },
    ],
    volumes: volumes.map((v) => ({ name: v.name, ...v.source })),
  };
}
