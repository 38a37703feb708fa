// The Node side of the emulated kubelet: the Node object, its status, and its Lease heartbeat.
import { KubeHttp, KubeHttpError, microTime } from './kube-http.js';

/** Label carrying the emulated node's name (handy for nodeSelectors). */
export const EMULATED_NODE_LABEL = 'emulated-node.contextweaver.io/name';

export interface NodeShape {
  readonly allocatable: Readonly<Record<string, string>>;
  readonly hostIP: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly { key: string; value?: string; effect: string }[];
}

/** Creates the Node (or updates its labels when it exists), posts Ready status, starts its Lease. */
export async function registerNode(http: KubeHttp, name: string, shape: NodeShape): Promise<void> {
  const metadata = {
    name,
    labels: {
      'kubernetes.io/hostname': name,
      'kubernetes.io/os': 'linux',
      'kubernetes.io/arch': 'amd64',
      'node.kubernetes.io/instance-type': 'emulated',
      [EMULATED_NODE_LABEL]: name,
      ...shape.labels,
    },
  };
  try {
    await http.request('POST', '/api/v1/nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata,
      spec: shape.taints.length ? { taints: shape.taints } : {},
    });
  } catch (err) {
    if (!(err instanceof KubeHttpError && err.statusCode === 409)) throw err;
    await http.request('PATCH', `/api/v1/nodes/${name}`, { metadata }, 'application/merge-patch+json');
  }
  await postNodeStatus(http, name, shape, true);
  await renewNodeLease(http, name);
}

/** Posts a Ready node status. Refreshes (initial = false) move only lastHeartbeatTime. */
export async function postNodeStatus(
  http: KubeHttp,
  name: string,
  shape: NodeShape,
  initial: boolean,
): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const c = (type: string, status: string, reason: string, message: string): Record<string, unknown> => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: now,
    ...(initial ? { lastTransitionTime: now } : {}),
  });
  const status = {
    capacity: shape.allocatable,
    allocatable: shape.allocatable,
    conditions: [
      c('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
      c('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
      c('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
      c('Ready', 'True', 'KubeletReady', 'emulated kubelet is posting ready status'),
    ],
    addresses: [
      { type: 'InternalIP', address: shape.hostIP },
      { type: 'Hostname', address: 'localhost' },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      machineID: '',
      systemUUID: '',
      bootID: '',
      kernelVersion: '',
      osImage: 'ContextWeaver emulated node',
      containerRuntimeVersion: 'emulated://1.0.0',
      kubeletVersion: 'v1.20.2',
      kubeProxyVersion: 'v1.20.2',
      operatingSystem: 'linux',
      architecture: 'amd64',
    },
  };
  await http.request(
    'PATCH',
    `/api/v1/nodes/${name}/status`,
    { status },
    'application/strategic-merge-patch+json',
  );
}

/** Renews the node's Lease in kube-node-lease (creating it, owned by the Node, when missing). */
export async function renewNodeLease(http: KubeHttp, name: string): Promise<void> {
  const path = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${name}`;
  try {
    await http.request(
      'PATCH',
      path,
      { spec: { renewTime: microTime(), holderIdentity: name } },
      'application/merge-patch+json',
    );
  } catch (err) {
    if (!(err instanceof KubeHttpError && err.statusCode === 404)) throw err;
    const node = await http.get<{ metadata: { uid: string } }>(`/api/v1/nodes/${name}`);
    await http.request('POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name,
        namespace: 'kube-node-lease',
        ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: node.metadata.uid }],
      },
      spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: microTime() },
    });
  }
}
