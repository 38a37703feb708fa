// Kubernetes test harness: a real control plane (kube-local), an emulated node, a fault proxy.
export {
  startKubeLocal,
  buildKubeLocal,
  kubeLocalBinDir,
  KUBE_LOCAL_VERSION,
  KUBE_LOCAL_TOOLS_DIR,
} from './kube-local.js';
export type { KubeLocal, StartKubeLocalOptions } from './kube-local.js';
export { startEmulatedNode } from './emulated-node.js';
export { EMULATED_NODE_LABEL } from './node-registration.js';
export type { EmulatedNode, EmulatedNodeOptions, EmulatedNodeStats } from './emulated-node.js';
export { POD_FATE_ANNOTATION, parsePodFate, defaultPodFate } from './pod-fate.js';
export type { PodFate } from './pod-fate.js';
export { startFaultProxy, matches } from './fault-proxy.js';
export type {
  Fault,
  FaultRule,
  FaultHandle,
  FaultProxy,
  FaultProxyOptions,
  RequestMatch,
  RequestRecord,
} from './fault-proxy.js';
export { requestInfo, resourceKey, resourceMatches, WRITE_VERBS, READ_VERBS } from './request-info.js';
export type { KubeVerb, RequestInfo } from './request-info.js';
export {
  installCrds,
  fixtureCrdFiles,
  defaultCrdFiles,
  FIXTURE_CRDS_DIR,
  TENANT_CRD_PATH,
  TESTING_FIELD_MANAGER,
} from './crds.js';
export type { InstallCrdsOptions } from './crds.js';
export { uniqueName, uniqueTenantName, TEST_RUN_LABEL } from './names.js';
export {
  testKubeconfigPath,
  testKubeConfig,
  testCluster,
  createTestNamespace,
  podFateText,
} from './test-context.js';
export type { TestNamespace, TestNamespaceOptions } from './test-context.js';
export { KubeHttp, KubeHttpError, loadKubeConfig, microTime, apiErrorStatus } from './kube-http.js';
export type { KubeStatus, WatchEventType } from './kube-http.js';
export { listWatch } from './list-watch.js';
export { serviceAccountKubeconfig } from './service-account.js';
export { StandInOperator } from './stand-in-operator.js';
export type { ServiceAccountKubeconfigOptions } from './service-account.js';
export {
  installOperatorIdentity,
  operatorIdentityObjects,
  OPERATOR_INSTALL_MANIFEST,
  OPERATOR_NAMESPACE,
  OPERATOR_SERVICE_ACCOUNT,
} from './operator-identity.js';
export type { ListWatch, ListWatchOptions } from './list-watch.js';
export type { KubeProvidedContext } from './vitest-context.js';
