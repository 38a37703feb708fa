// An emulated kubelet: registers Nodes, keeps them Ready through Lease heartbeats, and reports
// status for every pod bound to them, so the real scheduler, ReplicaSet and Deployment
// controllers drive workloads to Available. No containers run.
import { randomBytes } from 'node:crypto';
import type { KubeConfig, V1Namespace, V1Pod } from '@kubernetes/client-node';
import { KubeHttp } from './kube-http.js';
import { listWatch, sleep, type ListWatch } from './list-watch.js';
import { postNodeStatus, registerNode, renewNodeLease } from './node-registration.js';
import { defaultPodFate, parsePodFate, podStatusFor, POD_FATE_ANNOTATION, type PodFate } from './pod-fate.js';
import { WriteQueue } from './write-queue.js';

export interface EmulatedNodeOptions {
  readonly kubeconfig: string | KubeConfig;
  /**
   * Names of the Nodes to register.
   * @default one node, `emulated-node-<random>`
   */
  readonly nodeNames?: readonly string[];
  /** Extra node labels (e.g. to target the node with a nodeSelector). */
  readonly labels?: Readonly<Record<string, string>>;
  /** Node taints, in addition to the ones the control plane manages. */
  readonly taints?: readonly {
    key: string;
    value?: string;
    effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  }[];
  /**
   * Capacity = allocatable. Large so that 1,000 tenants' pods fit on one node.
   * @default { cpu: '1000', memory: '4Ti', pods: '10000', 'ephemeral-storage': '10Ti' }
   */
  readonly allocatable?: Readonly<Record<string, string>>;
  /**
   * Lease renewal period; the node-lifecycle controller marks a node Unknown after 40 s without one.
   * @default 10_000
   */
  readonly heartbeatIntervalMs?: number;
  /** Chooses a pod's fate; return undefined to fall back to annotations, then `defaultFate`. */
  readonly podFate?: (pod: V1Pod) => PodFate | undefined;
  /**
   * Fate for pods nothing else decides.
   * @default `ready` for restartPolicy Always, else `succeeded`
   */
  readonly defaultFate?: PodFate;
  /**
   * Honour the pod-fate annotation on pods and namespaces (watches Namespaces for it).
   * @default true
   */
  readonly fateFromAnnotations?: boolean;
  /**
   * Maximum concurrent status writes.
   * @default 32
   */
  readonly maxConcurrentWrites?: number;
  /**
   * Delete the Nodes on stop(); their pods are then garbage-collected by the control plane.
   * @default true
   */
  readonly deleteOnStop?: boolean;
  /**
   * How long start waits for the control plane to lift the not-ready taint.
   * @default 60_000
   */
  readonly readyTimeoutMs?: number;
}

export interface EmulatedNodeStats {
  /** Pods seen bound to the nodes. */
  podsSeen: number;
  /** Pod status writes made. */
  statusWrites: number;
  /** Pods deleted after graceful termination was requested. */
  podsDeleted: number;
  /** Failed API calls (retried). */
  errors: number;
}

export interface EmulatedNode {
  readonly nodeNames: readonly string[];
  readonly stats: Readonly<EmulatedNodeStats>;
  /** Replaces the fate chooser and re-applies fates to every tracked pod. */
  setPodFate(chooser: ((pod: V1Pod) => PodFate | undefined) | undefined): void;
  /** Resolves when no pod status write or delete is queued or in flight. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

interface Tracked {
  pod: V1Pod;
  appliedKey?: string;
  timer?: NodeJS.Timeout;
  restartCount: number;
  podIP: string;
  deleting?: boolean;
}

/** Registers the nodes, waits until they are schedulable, and starts serving their pods. */
export async function startEmulatedNode(options: EmulatedNodeOptions): Promise<EmulatedNode> {
  const http = await KubeHttp.create(options.kubeconfig);
  const names = options.nodeNames?.length
    ? [...options.nodeNames]
    : [`emulated-node-${randomBytes(3).toString('hex')}`];
  const heartbeatMs = options.heartbeatIntervalMs ?? 10_000;
  const allocatable = options.allocatable ?? {
    cpu: '1000',
    memory: '4Ti',
    pods: '10000',
    'ephemeral-storage': '10Ti',
  };
  const useAnnotations = options.fateFromAnnotations ?? true;
  const stats: EmulatedNodeStats = { podsSeen: 0, statusWrites: 0, podsDeleted: 0, errors: 0 };
  const abort = new AbortController();
  const pods = new Map<string, Tracked>();
  const namespaceFates = new Map<string, string>();
  let chooser = options.podFate;
  let ipCounter = 0;

  const writes = new WriteQueue(options.maxConcurrentWrites ?? 32, abort.signal, () => stats.errors++);
  const enqueue = (work: () => Promise<void>): void => writes.enqueue(work);

  // --- nodes ------------------------------------------------------------------------------
  const hostIP = '127.0.0.1';
  const node = { allocatable, hostIP, labels: options.labels ?? {}, taints: options.taints ?? [] };
  for (const name of names) await registerNode(http, name, node);
  const renewLease = (name: string): Promise<void> => renewNodeLease(http, name);
  const postStatus = (name: string, initial: boolean): Promise<void> =>
    postNodeStatus(http, name, node, initial);
  const heartbeat = setInterval(() => {
    for (const name of names) void renewLease(name).catch(() => stats.errors++);
  }, heartbeatMs);
  heartbeat.unref();
  const statusRefresh = setInterval(() => {
    for (const name of names) void postStatus(name, false).catch(() => stats.errors++);
  }, 60_000);
  statusRefresh.unref();

  // --- pods -------------------------------------------------------------------------------
  const fateOf = (pod: V1Pod): PodFate => {
    const chosen = chooser?.(pod);
    if (chosen) return chosen;
    if (useAnnotations) {
      const fromPod = parsePodFate(pod.metadata?.annotations?.[POD_FATE_ANNOTATION]);
      if (fromPod) return fromPod;
      const fromNs = parsePodFate(namespaceFates.get(pod.metadata?.namespace ?? ''));
      if (fromNs) return fromNs;
    }
    return options.defaultFate ?? defaultPodFate(pod);
  };
  const nextIP = (): string => {
    const n = ipCounter++ % 65_000;
    return `10.244.${Math.floor(n / 250)}.${(n % 250) + 2}`;
  };
  const writeStatus = (t: Tracked, fate: PodFate): void => {
    const { namespace, name, uid } = t.pod.metadata ?? {};
    if (!namespace || !name) return;
    enqueue(async () => {
      if (pods.get(uid ?? '') !== t || t.deleting) return;
      const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      const status = podStatusFor(t.pod, fate, { hostIP, podIP: t.podIP, now, restartCount: t.restartCount });
      stats.statusWrites++;
      await http.request(
        'PATCH',
        `/api/v1/namespaces/${namespace}/pods/${name}/status`,
        { status },
        'application/strategic-merge-patch+json',
      );
    });
  };
  const apply = (t: Tracked): void => {
    const pod = t.pod;
    const { uid, namespace, name } = pod.metadata ?? {};
    if (!uid || !namespace || !name) return;
    if (pod.metadata?.deletionTimestamp) {
      if (t.deleting) return;
      t.deleting = true;
      clearTimeout(t.timer);
      // A kubelet confirms termination with a zero-grace delete; nothing else removes the pod.
      enqueue(async () => {
        stats.podsDeleted++;
        await http.request('DELETE', `/api/v1/namespaces/${namespace}/pods/${name}`, {
          apiVersion: 'v1',
          kind: 'DeleteOptions',
          gracePeriodSeconds: 0,
          preconditions: { uid },
        });
      });
      return;
    }
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return;
    const fate = fateOf(pod);
    const key = JSON.stringify(fate);
    if (t.appliedKey === key) return;
    t.appliedKey = key;
    clearTimeout(t.timer);
    t.timer = undefined;
    switch (fate.type) {
      case 'ready':
      case 'succeeded':
      case 'failed':
        if (fate.delayMs) {
          t.timer = setTimeout(() => writeStatus(t, fate), fate.delayMs);
          t.timer.unref();
        } else {
          writeStatus(t, fate);
        }
        break;
      case 'crash-loop': {
        const every = fate.restartEveryMs ?? 10_000;
        const tick = (): void => {
          t.restartCount++;
          writeStatus(t, fate);
          t.timer = setTimeout(tick, every);
          t.timer.unref();
        };
        tick();
        break;
      }
      default:
        writeStatus(t, fate);
    }
  };
  const track = (pod: V1Pod): void => {
    const uid = pod.metadata?.uid;
    if (!uid) return;
    let t = pods.get(uid);
    if (!t) {
      t = {
        pod,
        restartCount: pod.status?.containerStatuses?.[0]?.restartCount ?? 0,
        podIP: pod.status?.podIP ?? nextIP(),
      };
      pods.set(uid, t);
      stats.podsSeen++;
    }
    t.pod = pod;
    apply(t);
  };
  const forget = (uid: string | undefined): void => {
    const t = uid ? pods.get(uid) : undefined;
    if (!t) return;
    clearTimeout(t.timer);
    pods.delete(uid!);
  };
  const reapplyAll = (namespace?: string): void => {
    for (const t of pods.values()) {
      if (namespace !== undefined && t.pod.metadata?.namespace !== namespace) continue;
      apply(t);
    }
  };

  const watches: ListWatch[] = [];
  if (useAnnotations) {
    const nsWatch = listWatch<V1Namespace>(http, {
      path: '/api/v1/namespaces',
      onList: (items) => {
        namespaceFates.clear();
        for (const ns of items) {
          const fate = ns.metadata?.annotations?.[POD_FATE_ANNOTATION];
          if (fate && ns.metadata?.name) namespaceFates.set(ns.metadata.name, fate);
        }
        reapplyAll();
      },
      onEvent: (type, ns) => {
        const name = ns.metadata?.name;
        if (!name) return;
        const before = namespaceFates.get(name);
        const after = type === 'DELETED' ? undefined : ns.metadata?.annotations?.[POD_FATE_ANNOTATION];
        if (after) namespaceFates.set(name, after);
        else namespaceFates.delete(name);
        if (before !== after) reapplyAll(name);
      },
      onError: () => stats.errors++,
    });
    watches.push(nsWatch);
    await nsWatch.synced;
  }
  for (const name of names) {
    const podWatch = listWatch<V1Pod>(http, {
      path: '/api/v1/pods',
      fieldSelector: `spec.nodeName=${name}`,
      onList: (items) => {
        const seen = new Set(items.map((p) => p.metadata?.uid));
        for (const [uid, t] of pods) if (t.pod.spec?.nodeName === name && !seen.has(uid)) forget(uid);
        items.forEach(track);
      },
      onEvent: (type, pod) => (type === 'DELETED' ? forget(pod.metadata?.uid) : track(pod)),
      onError: () => stats.errors++,
    });
    watches.push(podWatch);
    await podWatch.synced;
  }

  // --- schedulable? The node-lifecycle controller lifts node.kubernetes.io/not-ready once it
  // has seen the Ready condition; until then the scheduler will not place pods here.
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  for (const name of names) {
    for (;;) {
      const node = await http.get<{ spec?: { taints?: { key: string }[] } }>(`/api/v1/nodes/${name}`);
      const blocked = node.spec?.taints?.some((t) => t.key.startsWith('node.kubernetes.io/'));
      if (!blocked) break;
      if (Date.now() > deadline) {
        throw new Error(
          `node ${name} still has taints ${JSON.stringify(node.spec?.taints)} after ${options.readyTimeoutMs ?? 60_000} ms; ` +
            'is kube-controller-manager running with the node-lifecycle controller?',
        );
      }
      await sleep(200);
    }
  }

  let stopped: Promise<void> | undefined;
  return {
    nodeNames: names,
    stats,
    setPodFate(next) {
      chooser = next;
      reapplyAll();
    },
    idle: () => writes.idle(),
    stop() {
      stopped ??= (async () => {
        clearInterval(heartbeat);
        clearInterval(statusRefresh);
        watches.forEach((w) => w.stop());
        for (const t of pods.values()) clearTimeout(t.timer);
        abort.abort();
        if (options.deleteOnStop ?? true) {
          for (const name of names) {
            await http.request('DELETE', `/api/v1/nodes/${name}`).catch(() => undefined);
          }
        }
        http.close();
      })();
      return stopped;
    },
  };
}
