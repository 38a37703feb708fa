// Installs CustomResourceDefinitions from YAML files and waits until they are served.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { KubeHttp, KubeHttpError } from './kube-http.js';
import { sleep } from './list-watch.js';

/** libs/testing/fixtures/crds: minimal structural copies of the third-party CRDs we create objects of. */
export const FIXTURE_CRDS_DIR = fileURLToPath(new URL('../../fixtures/crds/', import.meta.url));

/** The Tenant CRD generated from libs/tenant-model (installed when present). */
export const TENANT_CRD_PATH = fileURLToPath(
  new URL('../../../../infra/k8s/crds/tenants.platform.contextweaver.io.yaml', import.meta.url),
);

export const TESTING_FIELD_MANAGER = 'cw-testing';

/** The fixture CRD files, sorted. */
export function fixtureCrdFiles(): string[] {
  return readdirSync(FIXTURE_CRDS_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(FIXTURE_CRDS_DIR, f));
}

/** Fixture CRDs plus the Tenant CRD when infra/k8s/crds has it. */
export function defaultCrdFiles(): string[] {
  return [...fixtureCrdFiles(), ...(existsSync(TENANT_CRD_PATH) ? [TENANT_CRD_PATH] : [])];
}

export interface InstallCrdsOptions {
  /**
   * `apply`: server-side apply (force) — the CRD ends up exactly as in the file.
   * `create-if-absent`: leave an existing CRD alone (a real Istio install on a dev cluster).
   * @default 'apply'
   */
  readonly mode?: 'apply' | 'create-if-absent';
  /** @default 60_000 */
  readonly timeoutMs?: number;
}

interface CrdDoc {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
}

/** Installs every CustomResourceDefinition in `files`; resolves with their names once Established. */
export async function installCrds(
  kubeconfig: string | KubeConfig,
  files: readonly string[],
  options: InstallCrdsOptions = {},
): Promise<string[]> {
  const http = await KubeHttp.create(kubeconfig);
  try {
    const crds: CrdDoc[] = files.flatMap((file) =>
      parseAllDocuments(readFileSync(file, 'utf8'))
        .map((d) => {
          if (d.errors.length) throw new Error(`${file}: ${d.errors[0]!.message}`);
          return d.toJS({ maxAliasCount: -1 }) as CrdDoc | null;
        })
        .filter((d): d is CrdDoc => d?.kind === 'CustomResourceDefinition'),
    );
    const base = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
    await Promise.all(
      crds.map(async (crd) => {
        if (options.mode === 'create-if-absent') {
          try {
            await http.request('POST', base, crd);
          } catch (err) {
            if (!(err instanceof KubeHttpError && err.statusCode === 409)) throw err;
          }
        } else {
          const path = `${base}/${crd.metadata.name}?fieldManager=${TESTING_FIELD_MANAGER}&force=true`;
          try {
            await http.request('PATCH', path, crd, 'application/apply-patch+yaml');
          } catch (err) {
            // Before v1.25 the CRD schema has no x-kubernetes-validations (CEL): a create drops
            // them silently, but server-side apply fails ("field not declared in schema").
            // Mirror what a create does, so a CRD with CEL rules still installs on v1.20.
            if (!(
              err instanceof KubeHttpError && /x-kubernetes-validations: field not declared/.test(err.message)
            ))
              throw err;
            await http.request(
              'PATCH',
              path,
              stripKey(crd, 'x-kubernetes-validations'),
              'application/apply-patch+yaml',
            );
          }
        }
      }),
    );
    const names = crds.map((c) => c.metadata.name);
    await waitForCrdsEstablished(http, names, options.timeoutMs ?? 60_000);
    return names;
  } finally {
    http.close();
  }
}

async function waitForCrdsEstablished(
  http: KubeHttp,
  names: readonly string[],
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const name of names) {
    for (;;) {
      const crd = await http.get<{
        status?: { conditions?: { type: string; status: string; message?: string }[] };
      }>(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
      const cond = (t: string): boolean =>
        crd.status?.conditions?.some((c) => c.type === t && c.status === 'True') ?? false;
      if (cond('Established') && cond('NamesAccepted')) break;
      if (Date.now() > deadline) {
        throw new Error(
          `CRD ${name} not Established after ${timeoutMs} ms: ${JSON.stringify(crd.status?.conditions)}`,
        );
      }
      await sleep(100);
    }
  }
}

function stripKey<T>(value: T, key: string): T {
  if (Array.isArray(value)) return value.map((v: unknown) => stripKey(v, key)) as T;
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => k !== key)
      .map(([k, v]) => [k, stripKey(v, key)]),
  ) as T;
}
