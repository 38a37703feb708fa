// CRDs: installation, structural-schema enforcement (422 with field causes), pruning, defaults,
// the fixture CRDs the operator relies on, and the v1.20 gap (CEL rules are ignored).
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestNamespace, TENANT_CRD_PATH } from '../../src/kube/index.js';
import {
  apply,
  clients,
  ensureContractCrds,
  eventually,
  expectApiError,
  GROUP,
  serverMinor,
  toModel,
  widget,
  type Clients,
} from './support.js';

describe('CustomResourceDefinitions', () => {
  let c: Clients;
  let ns: string;
  beforeAll(async () => {
    c = clients();
    await ensureContractCrds(c);
    ns = (await createTestNamespace({ prefix: 'crd' })).name;
  });

  it('rejects objects that break the structural schema with 422 and one cause per field', async () => {
    const status = await expectApiError(
      c.objects.create(
        widget(ns, 'bad', { size: 11, color: 'blue', slug: 'Not_A_Slug', tags: ['a', 'b', 'c', 'd'] }),
      ),
      422,
    );
    expect(status.reason).toBe('Invalid');
    const fields = (status.details?.causes ?? []).map((x) => x.field).sort();
    expect(fields).toEqual(['spec.color', 'spec.size', 'spec.slug', 'spec.tags']);
    expect(status.message).toContain('spec.color: Unsupported value: "blue"');
  });

  it('enforces required fields and types', async () => {
    const missing = await expectApiError(c.objects.create(widget(ns, 'no-size', { color: 'red' })), 422);
    expect(missing.details?.causes).toContainEqual(
      expect.objectContaining({ field: 'spec.size', reason: 'FieldValueRequired' }),
    );
    const wrongType = await expectApiError(
      c.objects.create(widget(ns, 'wrong-type', { size: 'three' as unknown as number })),
      422,
    );
    expect(wrongType.details?.causes?.[0]?.field).toBe('spec.size');
  });

  it('prunes unknown fields and applies schema defaults', async () => {
    const created = await c.objects.create(widget(ns, 'pruned', { size: 2, unknownField: 'dropped' }));
    expect(created.spec).toEqual({ size: 2, color: 'red' });
  });

  it('refuses a non-structural CRD', async () => {
    const status = await expectApiError(
      c.crds.createCustomResourceDefinition({
        body: {
          metadata: { name: `loose.${GROUP}` },
          spec: {
            group: GROUP,
            scope: 'Namespaced',
            names: { kind: 'Loose', plural: 'loose' },
            versions: [
              {
                name: 'v1',
                served: true,
                storage: true,
                // `spec` has no type: not structural.
                schema: {
                  openAPIV3Schema: { type: 'object', properties: { spec: { description: 'untyped' } } },
                },
              },
            ],
          },
        },
      }),
      422,
    );
    expect(status.message).toMatch(/must have a type|type: Required value/);
  });

  it('CEL rules: enforced from v1.25; v1.20 drops them on create and refuses them in server-side apply', async () => {
    const name = `celwidgets.${GROUP}`;
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name },
      spec: {
        group: GROUP,
        scope: 'Namespaced',
        names: { kind: 'CelWidget', plural: 'celwidgets' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: {
                    type: 'object',
                    'x-kubernetes-validations': [{ rule: 'self.size != 7', message: 'size must not be 7' }],
                    properties: { size: { type: 'integer' } },
                  },
                },
              },
            },
          },
        ],
      },
    };
    const minor = await serverMinor(c);
    if (minor < 25) {
      const ssa = await expectApiError(apply(c, crd, 'contract-suite', true), 500);
      expect(ssa.message).toContain('x-kubernetes-validations: field not declared in schema');
    }
    await c.crds.deleteCustomResourceDefinition({ name }).catch(() => undefined);
    await eventually(async () =>
      expect(await c.crds.readCustomResourceDefinition({ name }).catch(() => 'gone')).toBe('gone'),
    );
    await c.objects.create(toModel(crd));
    await eventually(async () => {
      const got = await c.crds.readCustomResourceDefinition({ name });
      expect(got.status?.conditions?.find((x) => x.type === 'Established')?.status).toBe('True');
    });
    const call = c.objects.create({
      apiVersion: `${GROUP}/v1`,
      kind: 'CelWidget',
      metadata: { name: 'seven', namespace: ns },
      spec: { size: 7 },
    } as never);
    if (minor >= 25) {
      expect((await expectApiError(call, 422)).message).toContain('size must not be 7');
    } else {
      await expect(call).resolves.toMatchObject({ spec: { size: 7 } });
      const stored = await c.crds.readCustomResourceDefinition({ name });
      // (client-node's model calls the field x_kubernetes_validations)
      expect(JSON.stringify(stored.spec.versions[0]?.schema)).not.toMatch(/x.kubernetes.validations/);
    }
  });

  it('serves the third-party fixture CRDs at the versions the operator uses', async () => {
    const served = async (group: string, version: string): Promise<string[]> =>
      (await c.custom.getAPIResources({ group, version })).resources.map((r) => r.kind);
    expect(await served('security.istio.io', 'v1')).toEqual(
      expect.arrayContaining(['PeerAuthentication', 'AuthorizationPolicy']),
    );
    expect(await served('security.istio.io', 'v1beta1')).toEqual(
      expect.arrayContaining(['PeerAuthentication', 'AuthorizationPolicy']),
    );
    expect(await served('gateway.networking.k8s.io', 'v1')).toContain('HTTPRoute');
    expect(await served('secrets-store.csi.x-k8s.io', 'v1')).toContain('SecretProviderClass');
    expect(await served('external-secrets.io', 'v1beta1')).toEqual(
      expect.arrayContaining(['ExternalSecret', 'SecretStore']),
    );
  });

  it('HTTPRoute gets the upstream defaults, so SSA drift checks see what a real cluster stores', async () => {
    const route = await c.objects.create({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'web', namespace: ns },
      spec: {
        parentRefs: [{ name: 'ingress', namespace: 'istio-system' }],
        hostnames: ['acme.example.com'],
        rules: [{ backendRefs: [{ name: 'cerebro', port: 5080 }] }],
      },
    } as never);
    // Upstream also defaults backendRefs[].group to "" (which v1.20 cannot express).
    expect((route as { spec: unknown }).spec).toEqual({
      parentRefs: [
        { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'ingress', namespace: 'istio-system' },
      ],
      hostnames: ['acme.example.com'],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/' } }],
          backendRefs: [expect.objectContaining({ kind: 'Service', name: 'cerebro', port: 5080, weight: 1 })],
        },
      ],
    });
    await expectApiError(
      c.objects.create({
        apiVersion: 'security.istio.io/v1',
        kind: 'PeerAuthentication',
        metadata: { name: 'bad', namespace: ns },
        spec: { mtls: { mode: 'SOMETIMES' } },
      } as never),
      422,
    );
  });

  it.runIf(existsSync(TENANT_CRD_PATH))('serves the Tenant CRD from infra/k8s/crds', async () => {
    const res = await c.custom.getAPIResources({ group: 'platform.contextweaver.io', version: 'v1alpha1' });
    const tenant = res.resources.find((r) => r.kind === 'Tenant');
    expect(tenant).toMatchObject({ name: 'tenants', namespaced: false });
  });
});
