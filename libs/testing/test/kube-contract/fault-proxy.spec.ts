// The fault-injecting proxy: code under test talks to it through an ordinary kubeconfig and sees
// real API answers, or injected latency, 500s, 429 + Retry-After, 409s on writes and dropped
// watches; every request is counted by verb and resource.
import { Watch, type V1ConfigMap } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestNamespace,
  startFaultProxy,
  testKubeconfigPath,
  type FaultProxy,
} from '../../src/kube/index.js';
import { apply, clients, eventually, expectApiError, mergePatch, type Clients } from './support.js';

describe('fault proxy', () => {
  let proxy: FaultProxy;
  let c: Clients;
  let ns: string;
  beforeAll(async () => {
    proxy = await startFaultProxy({ kubeconfig: testKubeconfigPath(), seed: 42 });
    c = clients(proxy.kubeConfig());
    ns = (await createTestNamespace({ prefix: 'proxy' })).name;
  });
  afterAll(async () => {
    await proxy?.stop();
  });

  it('passes requests through and counts them by verb and resource', async () => {
    proxy.resetCounts();
    await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'counted' } } });
    await c.core.readNamespacedConfigMap({ namespace: ns, name: 'counted' });
    await c.core.listNamespacedConfigMap({ namespace: ns });
    await apply(
      c,
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'd', namespace: ns },
        spec: {
          selector: { matchLabels: { a: 'b' } },
          template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x' }] } },
        },
      } as never,
      'op',
    );
    expect(proxy.counts()).toMatchObject({
      'create configmaps': 1,
      'get configmaps': 1,
      'list configmaps': 1,
      'patch deployments.apps': 1,
    });
    expect(proxy.writes()).toBe(2);
    expect(proxy.count({ verb: 'read', resource: 'configmaps', namespace: ns })).toBe(2);
    expect(proxy.requests.at(-1)).toMatchObject({
      status: 201,
      info: { verb: 'patch', group: 'apps', name: 'd' },
    });
  });

  it('proves a read-only pass made zero writes', async () => {
    proxy.resetCounts();
    // A "resync" that finds everything as desired only reads.
    await c.core.readNamespacedConfigMap({ namespace: ns, name: 'counted' });
    await c.apps.readNamespacedDeployment({ namespace: ns, name: 'd' });
    expect(proxy.writes()).toBe(0);
    expect(proxy.count()).toBe(2);
  });

  it('injects 500s a limited number of times', async () => {
    const fault = proxy.inject({
      verb: 'create',
      resource: 'configmaps',
      fault: { type: 'error', code: 500 },
      times: 1,
    });
    const status = await expectApiError(
      c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'flaky' } } }),
      500,
    );
    expect(status.reason).toBe('InternalError');
    await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'flaky' } } });
    expect(fault.injected).toBe(1);
    fault.remove();
  });

  it('throttles with 429 and Retry-After', async () => {
    const fault = proxy.inject({ resource: 'configmaps', fault: { type: 'throttle', retryAfterSeconds: 2 } });
    const err = await c.core
      .readNamespacedConfigMap({ namespace: ns, name: 'counted' })
      .catch((e: { code: number; headers: Record<string, string> }) => e);
    expect(err).toMatchObject({ code: 429, headers: { 'retry-after': '2' } });
    fault.remove();
  });

  it('answers writes with 409 Conflict and leaves reads alone', async () => {
    const fault = proxy.inject({ verb: 'write', resource: 'configmaps', fault: { type: 'conflict' } });
    const status = await expectApiError(
      c.core.patchNamespacedConfigMap(
        { namespace: ns, name: 'counted', body: { data: { a: '1' } } },
        mergePatch,
      ),
      409,
    );
    expect(status).toMatchObject({
      reason: 'Conflict',
      message: expect.stringContaining('the object has been modified'),
    });
    await expect(c.core.readNamespacedConfigMap({ namespace: ns, name: 'counted' })).resolves.toBeDefined();
    fault.remove();
  });

  it('adds latency', async () => {
    const fault = proxy.inject({ verb: 'get', resource: 'configmaps', fault: { type: 'latency', ms: 300 } });
    const t = Date.now();
    await c.core.readNamespacedConfigMap({ namespace: ns, name: 'counted' });
    expect(Date.now() - t).toBeGreaterThanOrEqual(300);
    fault.remove();
  });

  it('applies rates reproducibly from the seed', async () => {
    const fault = proxy.inject({
      verb: 'get',
      resource: 'configmaps',
      rate: 0.5,
      fault: { type: 'error', code: 503 },
    });
    const outcomes: number[] = [];
    for (let i = 0; i < 20; i++) {
      outcomes.push(
        await c.core.readNamespacedConfigMap({ namespace: ns, name: 'counted' }).then(
          () => 200,
          (e: { code: number }) => e.code,
        ),
      );
    }
    fault.remove();
    expect(outcomes.filter((x) => x === 503).length).toBe(fault.injected);
    expect(fault.injected).toBeGreaterThan(3);
    expect(fault.injected).toBeLessThan(17);
  });

  it('drops watch connections; a client resumes from its last resourceVersion without losing events', async () => {
    const fault = proxy.inject({
      verb: 'watch',
      resource: 'configmaps',
      fault: { type: 'drop-watch', afterMs: 300 },
      times: 1,
    });
    const rv = (await c.core.listNamespacedConfigMap({ namespace: ns })).metadata!.resourceVersion!;
    const seen: string[] = [];
    let lastRv = rv;
    const watchOnce = (): Promise<unknown> =>
      new Promise((resolve) => {
        void new Watch(c.kc).watch(
          `/api/v1/namespaces/${ns}/configmaps`,
          { resourceVersion: lastRv },
          (type, obj: V1ConfigMap) => {
            seen.push(`${type} ${obj.metadata?.name}`);
            lastRv = obj.metadata!.resourceVersion!;
          },
          resolve,
        );
      });
    const first = watchOnce();
    await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'w1' } } });
    await first; // cut by the proxy
    expect(fault.injected).toBe(1);
    await c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'w2' } } });
    void watchOnce();
    await eventually(() => expect(seen).toEqual(['ADDED w1', 'ADDED w2']));
    expect(proxy.dropWatches()).toBe(1);
  });
});
