// What the emulated node does with a pod bound to it, and how that is chosen.
import type { V1Pod } from '@kubernetes/client-node';

/**
 * The fate of one pod on an emulated node.
 * - `ready`: Running and Ready after `delayMs` (default 0): Deployments become Available.
 * - `never-ready`: Running, containers started, Ready=False (a failing readiness probe).
 * - `crash-loop`: Running, containers waiting in CrashLoopBackOff, restartCount growing every
 *   `restartEveryMs` (default 10 s).
 * - `pending`: stays Pending with containers waiting for `reason` (default ContainerCreating;
 *   e.g. ImagePullBackOff).
 * - `succeeded` / `failed`: terminated with exit code 0 / `exitCode` (default 1) after `delayMs`.
 */
export type PodFate =
  | { readonly type: 'ready'; readonly delayMs?: number }
  | { readonly type: 'never-ready' }
  | { readonly type: 'crash-loop'; readonly restartEveryMs?: number }
  | { readonly type: 'pending'; readonly reason?: string }
  | { readonly type: 'succeeded'; readonly delayMs?: number }
  | { readonly type: 'failed'; readonly delayMs?: number; readonly exitCode?: number };

/**
 * Annotation choosing a pod's fate, read from the pod (e.g. via a Deployment's pod template) and
 * then from its Namespace, so a test in any process can steer pods the operator creates:
 * `ready`, `ready:2000` (delay ms), `never-ready`, `crash-loop`, `crash-loop:5000`, `pending`,
 * `pending:ImagePullBackOff`, `succeeded`, `succeeded:500`, `failed`, `failed:137`.
 */
export const POD_FATE_ANNOTATION = 'emulated-node.contextweaver.io/pod-fate';

/** Parses the annotation syntax above; undefined (with no throw) for anything else. */
export function parsePodFate(text: string | undefined): PodFate | undefined {
  if (!text) return undefined;
  const [type, arg] = text.trim().split(':', 2) as [string, string | undefined];
  const num = arg !== undefined && /^\d+$/.test(arg) ? Number(arg) : undefined;
  switch (type) {
    case 'ready':
      return num === undefined ? { type } : { type, delayMs: num };
    case 'never-ready':
      return { type };
    case 'crash-loop':
      return num === undefined ? { type } : { type, restartEveryMs: num };
    case 'pending':
      return arg ? { type, reason: arg } : { type };
    case 'succeeded':
      return num === undefined ? { type } : { type, delayMs: num };
    case 'failed':
      return num === undefined ? { type } : { type, exitCode: num };
    default:
      return undefined;
  }
}

/** Pods of Deployments and the like run forever; Jobs' pods (restartPolicy ≠ Always) complete. */
export function defaultPodFate(pod: V1Pod): PodFate {
  return (pod.spec?.restartPolicy ?? 'Always') === 'Always' ? { type: 'ready' } : { type: 'succeeded' };
}

/** The pod status the kubelet would report for `fate`, at `now`. */
export function podStatusFor(
  pod: V1Pod,
  fate: PodFate,
  ctx: { hostIP: string; podIP: string; now: string; restartCount: number },
): Record<string, unknown> {
  const started = pod.status?.startTime ?? ctx.now;
  const cond = (type: string, ok: boolean, reason?: string): Record<string, unknown> => ({
    type,
    status: ok ? 'True' : 'False',
    lastProbeTime: null,
    lastTransitionTime: ctx.now,
    ...(reason && !ok ? { reason } : {}),
  });
  const containers = pod.spec?.containers ?? [];
  const initContainers = pod.spec?.initContainers ?? [];
  const idOf = (name: string): string =>
    `containerd://${Buffer.from(`${pod.metadata?.uid ?? ''}/${name}`)
      .toString('hex')
      .slice(0, 64)}`;
  const base = (c: { name: string; image?: string }): Record<string, unknown> => ({
    name: c.name,
    image: c.image ?? '',
    imageID: `${c.image ?? ''}@sha256:${'0'.repeat(64)}`,
    containerID: idOf(c.name),
  });
  const terminated = (exitCode: number): Record<string, unknown> => ({
    terminated: {
      exitCode,
      reason: exitCode === 0 ? 'Completed' : 'Error',
      startedAt: started,
      finishedAt: ctx.now,
    },
  });
  const initStatuses = initContainers.map((c) => ({
    ...base(c),
    ready: true,
    restartCount: 0,
    state: terminated(0),
  }));

  let phase: string;
  let ready = false;
  let reason: string | undefined;
  let containerStatuses: Record<string, unknown>[];
  switch (fate.type) {
    case 'ready':
    case 'never-ready':
      phase = 'Running';
      ready = fate.type === 'ready';
      reason = ready ? undefined : 'ContainersNotReady';
      containerStatuses = containers.map((c) => ({
        ...base(c),
        ready,
        started: true,
        restartCount: ctx.restartCount,
        state: { running: { startedAt: started } },
      }));
      break;
    case 'crash-loop':
      phase = 'Running';
      reason = 'ContainersNotReady';
      containerStatuses = containers.map((c) => ({
        ...base(c),
        ready: false,
        started: false,
        restartCount: ctx.restartCount,
        state: {
          waiting: {
            reason: 'CrashLoopBackOff',
            message: `back-off restarting failed container ${c.name} in pod ${pod.metadata?.name ?? ''}`,
          },
        },
        lastState: terminated(1),
      }));
      break;
    case 'pending':
      phase = 'Pending';
      reason = 'ContainersNotReady';
      containerStatuses = containers.map((c) => ({
        name: c.name,
        image: c.image ?? '',
        imageID: '',
        ready: false,
        started: false,
        restartCount: 0,
        state: { waiting: { reason: fate.reason ?? 'ContainerCreating' } },
      }));
      break;
    case 'succeeded':
    case 'failed': {
      const exitCode = fate.type === 'succeeded' ? 0 : (fate.exitCode ?? 1);
      phase = fate.type === 'succeeded' ? 'Succeeded' : 'Failed';
      reason = 'PodCompleted';
      containerStatuses = containers.map((c) => ({
        ...base(c),
        ready: false,
        started: false,
        restartCount: 0,
        state: terminated(exitCode),
      }));
      break;
    }
  }
  return {
    phase,
    hostIP: ctx.hostIP,
    podIP: ctx.podIP,
    podIPs: [{ ip: ctx.podIP }],
    startTime: started,
    conditions: [
      cond('Initialized', true),
      cond('Ready', ready, reason),
      cond('ContainersReady', ready, reason),
      cond('PodScheduled', true),
    ],
    ...(initStatuses.length ? { initContainerStatuses: initStatuses } : {}),
    containerStatuses,
  };
}
