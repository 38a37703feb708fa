/**
 * A kubeconfig that authenticates as a ServiceAccount (a TokenRequest token), for running a
 * component under test with exactly the RBAC its install manifests grant it, never as cluster
 * admin. The ServiceAccount and its bindings must exist (apply the install manifests first).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeHttp, loadKubeConfig } from './kube-http.js';

export interface ServiceAccountKubeconfigOptions {
  /** Kubeconfig allowed to request tokens (the test cluster's admin). */
  readonly adminKubeconfig: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  /** Token lifetime; default two hours (longer than any suite). */
  readonly expirationSeconds?: number;
}

/** Requests a token for the ServiceAccount and writes a kubeconfig using it; returns its path. */
export async function serviceAccountKubeconfig(options: ServiceAccountKubeconfigOptions): Promise<string> {
  const http = await KubeHttp.create(options.adminKubeconfig);
  const { namespace, serviceAccount } = options;
  const token = await http.request<{ status: { token: string } }>(
    'POST',
    `/api/v1/namespaces/${encodeURIComponent(namespace)}/serviceaccounts/${encodeURIComponent(serviceAccount)}/token`,
    {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: options.expirationSeconds ?? 7200 },
    },
  );
  const cluster = loadKubeConfig(options.adminKubeconfig).getCurrentCluster();
  if (!cluster) throw new Error(`${options.adminKubeconfig}: no current cluster`);
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'cluster',
        cluster: {
          server: cluster.server,
          ...(cluster.caData ? { 'certificate-authority-data': cluster.caData } : {}),
          ...(cluster.caFile ? { 'certificate-authority': cluster.caFile } : {}),
          ...(cluster.skipTLSVerify ? { 'insecure-skip-tls-verify': true } : {}),
        },
      },
    ],
    users: [{ name: serviceAccount, user: { token: token.status.token } }],
    contexts: [{ name: serviceAccount, context: { cluster: 'cluster', user: serviceAccount, namespace } }],
    'current-context': serviceAccount,
  };
  const path = join(mkdtempSync(join(tmpdir(), `cw-sa-${serviceAccount}-`)), 'kubeconfig');
  // JSON is YAML: every kubeconfig loader reads it.
  writeFileSync(path, JSON.stringify(config, null, 2), { mode: 0o600 });
  return path;
}
