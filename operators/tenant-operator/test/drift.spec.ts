/**
 * What the operator does when nothing changes (no writes at all) and when someone changes its
 * objects by hand (it puts them back).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '@cw/k8s-charts';
import { OperatorMetrics, type TenantOperator } from '../src/index.js';
import { eventually } from '@cw/testing/processes';
import { isReady, sleep, startHarness, tenantWrites, type Harness } from './kube/harness.js';

let h: Harness;
let operator: TenantOperator;
let slug: string;
let ns: string;

beforeAll(async () => {
  h = await startHarness('drift');
  operator = await h.startOperator();
  const t = h.tenant({ engines: [{ name: 'main', replicas: 2 }] });
  slug = t.metadata.name;
  ns = `tenant-${slug}`;
  await h.apply(t);
  await h.waitFor(slug, isReady);
});
afterAll(async () => {
  await h?.close();
});

const ref = (apiVersion: string, kind: string, name: string) => ({
  apiVersion,
  kind,
  metadata: { name, namespace: ns },
});

describe('drift', () => {
  it('costs no writes when nothing changed, across several resyncs', async () => {
    await sleep(1_000); // let the last status write and deployment updates settle
    h.proxy.resetCounts();
    const before = await OperatorMetrics.total(operator.metrics.reconciles);
    await sleep(9_000); // resync period is 4 s
    expect(await OperatorMetrics.total(operator.metrics.reconciles)).toBeGreaterThanOrEqual(before + 2);
    expect(tenantWrites(h.proxy)).toBe(0);
    expect(h.proxy.count({ verb: 'patch', resource: 'tenants/status' })).toBe(0);
  });

  it('re-creates an object deleted by hand', async () => {
    await h.admin.deleteObject(ref('networking.k8s.io/v1', 'NetworkPolicy', 'tenant-isolation'));
    await h.admin.deleteObject(ref('v1', 'Service', 'cerebro'));
    await eventually(
      async () => await h.admin.get(ref('networking.k8s.io/v1', 'NetworkPolicy', 'tenant-isolation')),
      'NetworkPolicy restored',
      20_000,
    );
    await eventually(
      async () => await h.admin.get(ref('v1', 'Service', 'cerebro')),
      'Service restored',
      20_000,
    );
  });

  it('restores fields edited by hand, and wins back their ownership', async () => {
    // As `kubectl edit` / `kubectl scale` would: another field manager, an update of fields the operator owns.
    await h.admin.mergePatch(ref('apps/v1', 'Deployment', 'engine-main'), { spec: { replicas: 5 } });
    // The engine's file in the tenant's one ConfigMap (the key its pods mount as config.json).
    await h.admin.mergePatch(ref('v1', 'ConfigMap', 'tenant-config'), {
      data: { 'engine-main.json': '{"readOnly":false,"hacked":true}' },
    });
    await h.admin.mergePatch(ref('security.istio.io/v1', 'PeerAuthentication', 'default'), {
      spec: { mtls: { mode: 'PERMISSIVE' } },
    });
    await eventually(
      async () =>
        (
          (await h.admin.get<KubeObject>(ref('apps/v1', 'Deployment', 'engine-main')))?.spec as {
            replicas: number;
          }
        ).replicas === 2,
      'replicas restored',
      20_000,
    );
    await eventually(
      async () =>
        !JSON.stringify(
          (await h.admin.get<KubeObject>(ref('v1', 'ConfigMap', 'tenant-config')))?.data,
        ).includes('hacked'),
      'config restored',
      20_000,
    );
    await eventually(
      async () =>
        (
          (await h.admin.get<KubeObject>(ref('security.istio.io/v1', 'PeerAuthentication', 'default')))
            ?.spec as { mtls: { mode: string } }
        ).mtls.mode === 'STRICT',
      'mTLS STRICT restored',
      20_000,
    );
    await h.waitFor(slug, isReady);
  });
});
