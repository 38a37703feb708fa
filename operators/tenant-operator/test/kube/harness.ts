/**
 * Integration harness: a real operator (in process) against the real control plane, through a
 * fault-injecting, request-counting proxy, acting with the least-privilege identity from the
 * install manifests (ServiceAccount token + the generated ClusterRole), never as cluster admin.
 * Each test file gets its own lease and tenant label, so operators of different files (and other
 * projects' tests) never reconcile each other's tenants.
 */
import { KubeClient, type AnyObject } from '@cw/k8s-client';
import { createLogger } from '@cw/observability';
import {
  installOperatorIdentity,
  OPERATOR_NAMESPACE,
  startFaultProxy,
  testKubeconfigPath,
  uniqueName,
  uniqueTenantName,
  type FaultProxy,
} from '@cw/testing/kube';
import type { Tenant, TenantSpecInput } from '@cw/tenant-model';
import { TenantOperator, parseOperatorConfig } from '../../src/index.js';

export { OPERATOR_NAMESPACE };
export const SELECTOR_KEY = 'testing.contextweaver.io/operator';

export interface Harness {
  /** Cluster-admin client of the test itself (setup and assertions), not through the proxy. */
  readonly admin: KubeClient;
  /** Proxy in front of the first operator replica. */
  readonly proxy: FaultProxy;
  readonly selectorValue: string;
  /** A raw Tenant manifest labelled for this file's operators. */
  tenant(spec?: Partial<TenantSpecInput>, name?: string): Tenant;
  /** Applies a Tenant as a platform operator would (kubectl apply ≈ server-side apply). */
  apply(tenant: Tenant): Promise<void>;
  startOperator(options?: { proxy?: FaultProxy; env?: Record<string, string> }): Promise<TenantOperator>;
  newProxy(): Promise<FaultProxy>;
  waitFor(name: string, predicate: (t: Tenant) => boolean, timeoutMs?: number): Promise<Tenant>;
  /**
   * Deletes this file's tenants (operators still running, so finalizers run), then stops
   * everything. `fast`: stop the operators first and only request deletion of the tenants and
   * their namespaces, without waiting (for files with many tenants).
   */
  close(options?: { fast?: boolean }): Promise<void>;
}

const ready = (t: Tenant) =>
  t.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
export const isReady = (t: Tenant): boolean =>
  ready(t) && t.status?.observedGeneration === t.metadata.generation;

export async function startHarness(name: string): Promise<Harness> {
  const admin = KubeClient.fromKubeconfig(testKubeconfigPath(), { fieldManager: 'cw-test' });
  // The operator acts as its ServiceAccount with the install manifests' RBAC, never as admin.
  const saKubeconfig = await installOperatorIdentity(testKubeconfigPath());
  const selectorValue = uniqueName(name, 40);
  const leaseName = uniqueName(`lease-${name}`, 60);
  const proxies: FaultProxy[] = [];
  const operators: TenantOperator[] = [];
  const created = new Set<string>();
  const newProxy = async () => {
    const p = await startFaultProxy({ kubeconfig: saKubeconfig });
    proxies.push(p);
    return p;
  };
  const proxy = await newProxy();
  const level = process.env.OPERATOR_TEST_LOG ?? 'silent';

  const harness: Harness = {
    admin,
    proxy,
    selectorValue,
    tenant(spec = {}, slug = uniqueTenantName('tn')) {
      return {
        apiVersion: 'platform.contextweaver.io/v1alpha1',
        kind: 'Tenant',
        metadata: { name: slug, labels: { [SELECTOR_KEY]: selectorValue } },
        spec: {
          displayName: `Test ${slug}`,
          plan: 'starter',
          seats: 3,
          cloud: { provider: 'local', region: 'local' },
          hostname: `${slug}.localtest.me`,
          engines: [{ name: 'main', plugins: ['payments'] }],
          ...spec,
        },
      } as Tenant;
    },
    async apply(tenant) {
      created.add(tenant.metadata.name);
      await admin.applyObject(tenant as unknown as AnyObject, { fieldManager: 'kubectl' });
    },
    async startOperator(options = {}) {
      const p = options.proxy ?? proxy;
      const config = parseOperatorConfig({
        KUBECONFIG: p.kubeconfigPath,
        POD_NAME: `op-${operators.length}`,
        POD_NAMESPACE: OPERATOR_NAMESPACE,
        METRICS_PORT: '0',
        METRICS_HOST: '127.0.0.1',
        LOG_LEVEL: level,
        LEASE_NAME: leaseName,
        LEASE_DURATION_SECONDS: '3',
        LEASE_RENEW_DEADLINE_SECONDS: '2',
        LEASE_RETRY_PERIOD_SECONDS: '0.5',
        RESYNC_PERIOD_SECONDS: '4',
        BACKOFF_BASE_MS: '100',
        BACKOFF_MAX_SECONDS: '3',
        WATCH_TIMEOUT_SECONDS: '60',
        RECONCILE_CONCURRENCY: '8',
        TENANT_LABEL_SELECTOR: `${SELECTOR_KEY}=${selectorValue}`,
        ...options.env,
      });
      const operator = new TenantOperator({
        config,
        defaultMetrics: false,
        log: createLogger({ name: 'tenant-operator', level }),
      });
      operators.push(operator);
      await operator.start();
      return operator;
    },
    newProxy,
    waitFor(slug, predicate, timeoutMs = 60_000) {
      return admin.waitForTenant(slug, predicate, timeoutMs);
    },
    async close(options = {}) {
      const running = operators.filter((o) => o.ready);
      if (options.fast) {
        await Promise.all(operators.map((o) => o.stop().catch(() => undefined)));
        const slugs = [...created];
        for (let i = 0; i < slugs.length; i += 20) {
          await Promise.all(
            slugs
              .slice(i, i + 20)
              .map((slug) =>
                admin
                  .deleteObject({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `tenant-${slug}` } })
                  .catch(() => undefined),
              ),
          );
        }
      } else if (running.length > 0) {
        for (const p of proxies) p.clearFaults();
        await Promise.all(
          [...created].map((slug) =>
            admin.deleteTenant(slug, { wait: true, timeoutMs: 90_000 }).catch(() => undefined),
          ),
        );
      }
      await Promise.all(operators.map((o) => o.stop().catch(() => undefined)));
      // A tenant whose operator is gone keeps its finalizer: release it so the cluster stays clean.
      const release = async (slug: string) => {
        const t = await admin.getTenant(slug).catch(() => undefined);
        if (!t) return;
        if (t.metadata.finalizers?.length) {
          await admin
            .mergePatch(
              { apiVersion: t.apiVersion, kind: t.kind, metadata: { name: slug } },
              { metadata: { finalizers: null } },
            )
            .catch(() => undefined);
        }
        await admin.deleteTenant(slug).catch(() => undefined);
      };
      const slugs = [...created];
      for (let i = 0; i < slugs.length; i += 20) await Promise.all(slugs.slice(i, i + 20).map(release));
      await Promise.all(proxies.map((p) => p.stop()));
    },
  };
  return harness;
}

/** Writes to tenant objects (everything but Lease renewals and Events) seen by a proxy. */
export function tenantWrites(proxy: FaultProxy): number {
  return proxy.writes({ when: (i) => i.resource !== 'leases' && i.resource !== 'events' });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
