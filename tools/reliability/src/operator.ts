/**
 * The tenant operator as a process for a suite: its own lease and label selector, acting as the
 * `tenant-operator` ServiceAccount with exactly the RBAC of the install manifests
 * (infra/k8s/operator/10-operator.yaml, as deployed), never as cluster admin.
 */
import { randomBytes } from 'node:crypto';
import type { KubeClient } from '@cw/k8s-client';
import { installOperatorIdentity, OPERATOR_NAMESPACE } from '@cw/testing/kube';
import { freePort, startProcess, waitHttpOk, type PlatformProcess } from './processes.js';

export { OPERATOR_NAMESPACE };
export const SELECTOR_KEY = 'reliability.contextweaver.io/run';

export interface OperatorRun {
  readonly selectorValue: string;
  readonly leaseName: string;
  /** Kubeconfig of the operator's ServiceAccount (put a fault proxy in front of this one). */
  readonly serviceAccountKubeconfig: string;
  /** Starts one operator process (as the ServiceAccount unless given another kubeconfig); resolves once /healthz answers. */
  start(kubeconfig?: string): Promise<PlatformProcess>;
}

export async function operatorRun(
  kubeconfig: string,
  label: string,
  env: Record<string, string> = {},
): Promise<OperatorRun> {
  const saKubeconfig = await installOperatorIdentity(kubeconfig);
  const selectorValue = `${label}-${randomBytes(3).toString('hex')}`;
  const leaseName = `rel-${selectorValue}`;
  let n = 0;
  return {
    selectorValue,
    leaseName,
    serviceAccountKubeconfig: saKubeconfig,
    async start(through = saKubeconfig) {
      const port = await freePort();
      const proc = startProcess('tenant-operator', {
        KUBECONFIG: through,
        POD_NAME: `rel-op-${n++}`,
        POD_NAMESPACE: OPERATOR_NAMESPACE,
        METRICS_PORT: String(port),
        METRICS_HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        LEASE_NAME: leaseName,
        LEASE_DURATION_SECONDS: '3',
        LEASE_RENEW_DEADLINE_SECONDS: '2',
        LEASE_RETRY_PERIOD_SECONDS: '0.5',
        RESYNC_PERIOD_SECONDS: '5',
        BACKOFF_BASE_MS: '100',
        BACKOFF_MAX_SECONDS: '3',
        RECONCILE_CONCURRENCY: '8',
        TENANT_LABEL_SELECTOR: `${SELECTOR_KEY}=${selectorValue}`,
        ...env,
      });
      await waitHttpOk(proc, `http://127.0.0.1:${port}/healthz`);
      return Object.assign(proc, { metricsUrl: `http://127.0.0.1:${port}/metrics` });
    },
  };
}

/** Deletes tenants with an operator still running (finalizers run), then strips what is left. */
export async function removeTenants(admin: KubeClient, names: Iterable<string>): Promise<void> {
  await Promise.all(
    [...names].map(async (name) => {
      await admin.deleteTenant(name, { wait: true, timeoutMs: 20_000 }).catch(async () => {
        const t = await admin.getTenant(name).catch(() => undefined);
        if (t?.metadata.finalizers?.length) {
          await admin
            .mergePatch(
              { apiVersion: t.apiVersion, kind: t.kind, metadata: { name } },
              { metadata: { finalizers: null } },
            )
            .catch(() => undefined);
        }
        await admin.deleteTenant(name).catch(() => undefined);
      });
    }),
  );
}
