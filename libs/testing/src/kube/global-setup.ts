// Vitest global setup: one real Kubernetes control plane per test run, shared by every project
// that has cluster tests. Uses TEST_KUBECONFIG when set; otherwise starts tools/kube-local
// (building it first when running locally; failing loudly in CI when it is not built).
//
// Vitest calls a global setup once per project (each with its own module instance), so the
// cluster lives on globalThis with a reference count.
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { defaultCrdFiles, fixtureCrdFiles, installCrds, TENANT_CRD_PATH } from './crds.js';
import { startEmulatedNode, type EmulatedNode } from './emulated-node.js';
import { KubeHttp, loadKubeConfig } from './kube-http.js';
import { buildKubeLocal, kubeLocalBinDir, startKubeLocal, type KubeLocal } from './kube-local.js';
import { TEST_RUN_LABEL } from './names.js';
import type { KubeProvidedContext } from './vitest-context.js';

const STATE = Symbol.for('contextweaver.testing.kube.global-setup');

interface Shared {
  refs: number;
  ready: Promise<KubeProvidedContext>;
  teardown(): Promise<void>;
}

/** Emulated node name shared by the whole run. */
export const SHARED_EMULATED_NODE = 'emulated-node-0';

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  if (!needsKube(project)) return undefined;
  const g = globalThis as { [STATE]?: Shared };
  const shared = (g[STATE] ??= bringUp());
  shared.refs++;
  const ctx = await shared.ready;
  for (const [k, v] of Object.entries(ctx)) project.provide(k as keyof KubeProvidedContext, v as never);
  process.env.KUBECONFIG_TEST_PATH = ctx.kubeconfig;
  process.env.KUBE_TEST_RUN_ID = ctx.kubeRunId;
  return async () => {
    if (--shared.refs > 0) return;
    delete g[STATE];
    await shared.teardown();
  };
}

/**
 * A project gets the cluster when it has a `test/kube*` or `test/e2e*` directory, is named in
 * CW_KUBE_PROJECTS (comma-separated), or CW_KUBE=always. CW_KUBE=never turns it off.
 */
function needsKube(project: TestProject): boolean {
  const mode = process.env.CW_KUBE ?? 'auto';
  if (mode === 'never' || mode === '0') return false;
  if (mode === 'always' || mode === '1') return true;
  const listed = (process.env.CW_KUBE_PROJECTS ?? '').split(',').map((s) => s.trim());
  if (project.name && listed.includes(project.name)) return true;
  const testDir = join(project.config.root, 'test');
  if (!existsSync(testDir)) return false;
  return readdirSync(testDir, { withFileTypes: true }).some(
    (d) => d.isDirectory() && (d.name.startsWith('kube') || d.name.startsWith('e2e')),
  );
}

function bringUp(): Shared {
  let cluster: KubeLocal | undefined;
  let node: EmulatedNode | undefined;
  let external: { kubeconfig: string; runId: string } | undefined;
  const runId = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;

  const bring = async (): Promise<KubeProvidedContext> => {
    const log = (msg: string): void => void process.stderr.write(`[kube] ${msg}\n`);
    let kubeconfig: string;
    let source: KubeProvidedContext['kubeSource'];
    const testKubeconfig = process.env.TEST_KUBECONFIG;
    if (testKubeconfig) {
      if (!existsSync(testKubeconfig)) throw new Error(`TEST_KUBECONFIG=${testKubeconfig} does not exist`);
      kubeconfig = testKubeconfig;
      source = 'TEST_KUBECONFIG';
      external = { kubeconfig, runId };
      log(`using the cluster of TEST_KUBECONFIG=${testKubeconfig}`);
    } else {
      if (!kubeLocalBinDir()) {
        if (process.env.CI === 'true' || process.env.CI === '1') {
          throw new Error(
            'Kubernetes tests need a control plane, and none is available: the kube-local binaries are not built ' +
              'and TEST_KUBECONFIG is not set. In CI run `tools/kube-local/build` before the tests (cache ' +
              '~/.cache/contextweaver/kube-local between runs), or set TEST_KUBECONFIG to an existing cluster.',
          );
        }
        log('kube-local binaries not built yet; running tools/kube-local/build (once per machine, ~4-5 min)');
        await buildKubeLocal();
      }
      const t = Date.now();
      cluster = await startKubeLocal({ ownerPid: process.pid, crdFiles: defaultCrdFiles() });
      kubeconfig = cluster.kubeconfigPath;
      source = 'kube-local';
      log(`kube-local v1.20.2 up in ${Date.now() - t} ms at ${cluster.server} (${cluster.dir})`);
    }

    const http = await KubeHttp.create(kubeconfig);
    let version: { major: string; minor: string; gitVersion: string };
    try {
      version = await http.get('/version');
    } catch (err) {
      throw new Error(`the test cluster (${kubeconfig}) does not answer: ${String(err)}`);
    } finally {
      http.close();
    }

    // kube-local created every CRD before its controllers started. On another cluster our own
    // CRD is applied; third-party copies never overwrite a real install.
    const onExternal = source === 'TEST_KUBECONFIG';
    if (onExternal) {
      await installCrds(kubeconfig, fixtureCrdFiles(), { mode: 'create-if-absent' });
      if (existsSync(TENANT_CRD_PATH)) await installCrds(kubeconfig, [TENANT_CRD_PATH]);
    }

    const wantNode = process.env.CW_KUBE_EMULATED_NODE ?? (onExternal ? '0' : '1');
    if (wantNode === '1' || wantNode === 'true') {
      node = await startEmulatedNode({ kubeconfig, nodeNames: [SHARED_EMULATED_NODE] });
    }
    return {
      kubeconfig,
      kubeServer: loadKubeConfig(kubeconfig).getCurrentCluster()?.server ?? '',
      kubeSource: source,
      kubeVersion: `${version.major}.${version.minor.replace(/\D+$/, '')}`,
      kubeRunId: runId,
      kubeEmulatedNode: node?.nodeNames[0] ?? '',
    };
  };
  // A failed setup gets no teardown call from vitest: clean up here.
  const ready = bring().catch(async (err: unknown) => {
    await node?.stop().catch(() => undefined);
    await cluster?.stop().catch(() => undefined);
    throw err;
  });

  return {
    refs: 0,
    ready,
    async teardown() {
      await node?.stop().catch(() => undefined);
      if (external) {
        // Shared cluster: remove what this run created.
        const http = await KubeHttp.create(external.kubeconfig);
        await http
          .request(
            'DELETE',
            `/api/v1/namespaces?labelSelector=${encodeURIComponent(`${TEST_RUN_LABEL}=${external.runId}`)}`,
          )
          .catch(async () => {
            // deletecollection is not allowed on namespaces; delete one by one.
            const list = await http.get<{ items: { metadata: { name: string } }[] }>(
              `/api/v1/namespaces?labelSelector=${encodeURIComponent(`${TEST_RUN_LABEL}=${external!.runId}`)}`,
            );
            await Promise.all(
              list.items.map((ns) =>
                http.request('DELETE', `/api/v1/namespaces/${ns.metadata.name}`).catch(() => undefined),
              ),
            );
          });
        http.close();
      }
      await cluster?.stop({ keep: process.env.KUBE_LOCAL_KEEP === '1' });
    },
  };
}
