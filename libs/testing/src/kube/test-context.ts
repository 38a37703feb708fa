// Helpers for test files: the cluster the global setup prepared, and per-test namespaces.
import { KubeConfig } from '@kubernetes/client-node';
import { inject } from 'vitest';
import { KubeHttp, KubeHttpError } from './kube-http.js';
import { TEST_RUN_LABEL, uniqueName } from './names.js';
import { POD_FATE_ANNOTATION, type PodFate } from './pod-fate.js';
import type { KubeProvidedContext } from './vitest-context.js';

function provided<K extends keyof KubeProvidedContext>(key: K): KubeProvidedContext[K] | undefined {
  try {
    return inject(key);
  } catch {
    return undefined; // not inside a vitest worker (e.g. a benchmark script)
  }
}

/**
 * The kubeconfig path of the test cluster. Throws with the fix when this test project was not
 * given one (its tests must live under test/kube* or test/e2e*; see docs/testing.md).
 */
export function testKubeconfigPath(): string {
  const path = provided('kubeconfig') ?? process.env.KUBECONFIG_TEST_PATH;
  if (!path) {
    throw new Error(
      'No test cluster: the kube global setup did not run for this project. Put cluster tests under ' +
        'test/kube*/ or test/e2e*/ of the project (or set CW_KUBE=always), see docs/testing.md.',
    );
  }
  return path;
}

/** A KubeConfig for the test cluster. */
export function testKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(testKubeconfigPath());
  return kc;
}

/** Information about the test cluster the global setup provided. */
export function testCluster(): {
  kubeconfigPath: string;
  server: string;
  source: string;
  version: string;
  runId: string;
  emulatedNode: string;
} {
  return {
    kubeconfigPath: testKubeconfigPath(),
    server: provided('kubeServer') ?? '',
    source: provided('kubeSource') ?? 'TEST_KUBECONFIG',
    version: provided('kubeVersion') ?? '',
    runId: provided('kubeRunId') ?? process.env.KUBE_TEST_RUN_ID ?? 'adhoc',
    emulatedNode: provided('kubeEmulatedNode') ?? '',
  };
}

export interface TestNamespaceOptions {
  /** @default 't' */
  readonly prefix?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  /** Fate of pods in this namespace on emulated nodes (sets the pod-fate annotation). */
  readonly podFate?: string | PodFate;
  /** @default testKubeconfigPath() */
  readonly kubeconfig?: string | KubeConfig;
}

export interface TestNamespace {
  readonly name: string;
  /** Deletes the namespace (does not wait for it to finish terminating). */
  delete(): Promise<void>;
}

/**
 * Creates a uniquely named namespace labelled with the run id. Shared clusters are cleaned by
 * label when the run ends; call delete() to clean up earlier.
 */
export async function createTestNamespace(options: TestNamespaceOptions = {}): Promise<TestNamespace> {
  const http = await KubeHttp.create(options.kubeconfig ?? testKubeconfigPath());
  const name = uniqueName(options.prefix ?? 't');
  const fate =
    options.podFate === undefined
      ? {}
      : {
          [POD_FATE_ANNOTATION]:
            typeof options.podFate === 'string' ? options.podFate : podFateText(options.podFate),
        };
  try {
    await http.request('POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name,
        labels: { [TEST_RUN_LABEL]: testCluster().runId, ...options.labels },
        annotations: { ...options.annotations, ...fate },
      },
    });
  } finally {
    http.close();
  }
  return {
    name,
    delete: async () => {
      const h = await KubeHttp.create(options.kubeconfig ?? testKubeconfigPath());
      try {
        await h.request('DELETE', `/api/v1/namespaces/${name}`);
      } catch (err) {
        if (!(err instanceof KubeHttpError && err.statusCode === 404)) throw err;
      } finally {
        h.close();
      }
    },
  };
}

/** The annotation text for a PodFate. */
export function podFateText(fate: PodFate): string {
  switch (fate.type) {
    case 'ready':
    case 'succeeded':
      return fate.delayMs ? `${fate.type}:${fate.delayMs}` : fate.type;
    case 'crash-loop':
      return fate.restartEveryMs ? `crash-loop:${fate.restartEveryMs}` : 'crash-loop';
    case 'pending':
      return fate.reason ? `pending:${fate.reason}` : 'pending';
    case 'failed':
      return fate.exitCode !== undefined ? `failed:${fate.exitCode}` : 'failed';
    default:
      return fate.type;
  }
}
