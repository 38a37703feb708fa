// Values the kube global setup provides to tests (vitest `provide`/`inject`).
export interface KubeProvidedContext {
  /** Path of the kubeconfig for the test cluster (kube-local or TEST_KUBECONFIG). */
  kubeconfig: string;
  /** API server URL. */
  kubeServer: string;
  /** Where the cluster comes from. */
  kubeSource: 'kube-local' | 'TEST_KUBECONFIG';
  /** `major.minor` of the API server, e.g. `1.20`. */
  kubeVersion: string;
  /** Label value marking namespaces created by this run (cleaned up on shared clusters). */
  kubeRunId: string;
  /** Name of the shared emulated node, or '' when there is none (TEST_KUBECONFIG with real nodes). */
  kubeEmulatedNode: string;
}

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  export interface ProvidedContext extends KubeProvidedContext {}
}
