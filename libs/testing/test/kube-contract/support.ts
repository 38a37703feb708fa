// Shared pieces of the Kubernetes contract suite: clients for the test cluster, the suite's own
// CRDs, and error assertions.
import {
  ApiextensionsV1Api,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  loadYaml,
  PatchStrategy,
  setHeaderOptions,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { expect, vi } from 'vitest';
import {
  apiErrorStatus,
  fixtureCrdFiles,
  installCrds,
  testKubeConfig,
  type KubeStatus,
} from '../../src/kube/index.js';

export const GROUP = 'contract.testing.contextweaver.io';

export interface Clients {
  kc: KubeConfig;
  core: CoreV1Api;
  apps: AppsV1Api;
  custom: CustomObjectsApi;
  crds: ApiextensionsV1Api;
  objects: KubernetesObjectApi;
}

export function clients(kc: KubeConfig = testKubeConfig()): Clients {
  return {
    kc,
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
    crds: kc.makeApiClient(ApiextensionsV1Api),
    objects: KubernetesObjectApi.makeApiClient(kc),
  };
}

/** Request options selecting a patch content type (client-node 2.x defaults to JSON Patch). */
export const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
export const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
export const applyPatch = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);

/**
 * Converts a wire-format object (as YAML/JSON has it) into client-node's model form. Needed
 * before KubernetesObjectApi create/patch/replace of built-in kinds: they serialize through the
 * models, which silently DROP wire keys whose model name differs (NetworkPolicy ingress `from`,
 * LimitRange `default`, CRD schema `default`/`enum`/`x-kubernetes-*`). See ssa.spec.ts.
 */
export function toModel<T extends KubernetesObject>(obj: T): T {
  return loadYaml<T>(JSON.stringify(obj));
}

/** Server-side apply of one wire-format object under `fieldManager`. */
export function apply<T extends KubernetesObject>(
  c: Clients,
  obj: T,
  fieldManager: string,
  force = false,
): Promise<T> {
  return c.objects.patch(
    toModel(obj),
    undefined,
    undefined,
    fieldManager,
    force,
    PatchStrategy.ServerSideApply,
  );
}

/** Awaits a call expected to fail with `code`; returns the Kubernetes Status. */
export async function expectApiError(call: Promise<unknown>, code: number): Promise<KubeStatus> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected the call to fail with HTTP ${code}`).toBeDefined();
  const st = apiErrorStatus(err);
  expect(st?.code, `HTTP code of ${String(err)}`).toBe(code);
  return st?.status ?? { kind: 'Status' };
}

/** Polls until `check` stops throwing (vi.waitFor with cluster-friendly defaults). */
export function eventually<T>(check: () => T | Promise<T>, timeoutMs = 20_000): Promise<T> {
  return vi.waitFor(check, { timeout: timeoutMs, interval: 100 });
}

/**
 * The suite's own CRDs (fixtures/crds/contract-*.yaml): Widget (namespaced, status subresource,
 * every structural-schema check v1.20 enforces) and Gadget (cluster-scoped, like Tenant). The
 * local control plane has them from the start; on a TEST_KUBECONFIG cluster this creates them.
 */
export async function ensureContractCrds(c: Clients): Promise<void> {
  await installCrds(
    c.kc,
    fixtureCrdFiles().filter((f) => /contract-[a-z]+\.yaml$/.test(f)),
    { mode: 'create-if-absent' },
  );
}

export interface Widget extends KubernetesObject {
  spec?: {
    size?: number;
    color?: string;
    slug?: string;
    tags?: string[];
    labels?: Record<string, string>;
    [k: string]: unknown;
  };
  status?: { observedGeneration?: number; phase?: string };
}

export function widget(namespace: string, name: string, spec: Widget['spec']): Widget {
  return { apiVersion: `${GROUP}/v1`, kind: 'Widget', metadata: { name, namespace }, spec };
}

/** Kubernetes minor version of the test cluster, e.g. 20. */
export async function serverMinor(c: Clients): Promise<number> {
  const { VersionApi } = await import('@kubernetes/client-node');
  const v = await c.kc.makeApiClient(VersionApi).getCode();
  return Number.parseInt(v.minor, 10);
}
