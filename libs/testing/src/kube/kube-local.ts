// TypeScript face of tools/kube-local: the shell scripts own process management (one
// implementation for humans and tests); this module runs them and parses their output.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** tools/kube-local in this checkout. */
export const KUBE_LOCAL_TOOLS_DIR = fileURLToPath(new URL('../../../../tools/kube-local/', import.meta.url));

/** The Kubernetes version tools/kube-local builds and runs. */
export const KUBE_LOCAL_VERSION = 'v1.20.2';

export interface KubeLocal {
  /** kubeconfig with a token user (system:masters) and the serving certificate as CA. */
  readonly kubeconfigPath: string;
  /** `https://127.0.0.1:<port>` */
  readonly server: string;
  readonly token: string;
  /** PEM of the apiserver's self-signed serving certificate. */
  readonly caFile: string;
  /** Run directory: pki/, logs/, etcd/, pids/. Removed by stop() unless keep is set. */
  readonly dir: string;
  readonly pids: Readonly<
    Record<'etcd' | 'kubeApiserver' | 'kubeControllerManager' | 'kubeScheduler', number>
  >;
  /** Milliseconds from the start call until the control plane answered and its controllers worked. */
  readonly startupMs: number;
  /** Stops every process by PID and removes the run directory. Safe to call twice. */
  stop(options?: { keep?: boolean }): Promise<void>;
}

export interface StartKubeLocalOptions {
  /**
   * The control plane is torn down as soon as this process exits, however it exits.
   * @default process.pid
   */
  readonly ownerPid?: number;
  /**
   * Run tools/kube-local/build first when the binaries are missing (minutes, once per machine).
   * @default false
   */
  readonly build?: boolean;
  /**
   * CustomResourceDefinition files (one CRD per file) to create before the controllers start, so
   * the garbage collector handles their kinds from the first second (it discovers CRDs created
   * later only every 30 s).
   */
  readonly crdFiles?: readonly string[];
}

/** Bin directory of the built control plane, or undefined when it has not been built. */
export function kubeLocalBinDir(): string | undefined {
  const r = spawnSync(script('build'), ['--print-bin-dir'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Runs tools/kube-local/build (idempotent); resolves to the bin directory. Output goes to stderr. */
export async function buildKubeLocal(): Promise<string> {
  const { stdout } = await execFileAsync(script('build'), [], { maxBuffer: 64 * 1024 * 1024 }).catch(
    (err: { stderr?: string; message: string }) => {
      throw new Error(`tools/kube-local/build failed:\n${err.stderr ?? err.message}`);
    },
  );
  return stdout.trim().split('\n').at(-1) ?? '';
}

interface StartOutput {
  dir: string;
  kubeconfigPath: string;
  server: string;
  token: string;
  caFile: string;
  pids: KubeLocal['pids'];
}

/** Starts etcd + kube-apiserver + controller-manager + scheduler on free loopback ports. */
export async function startKubeLocal(options: StartKubeLocalOptions = {}): Promise<KubeLocal> {
  if (options.build && !kubeLocalBinDir()) await buildKubeLocal();
  const args = ['--json', '--owner-pid', String(options.ownerPid ?? process.pid)];
  for (const f of options.crdFiles ?? []) args.push('--crd', f);
  const started = Date.now();
  const { stdout } = await execFileAsync(script('start'), args, { maxBuffer: 16 * 1024 * 1024 }).catch(
    (err: { stderr?: string; message: string }) => {
      throw new Error(`tools/kube-local/start failed:\n${err.stderr ?? err.message}`);
    },
  );
  const out = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as StartOutput;
  const startupMs = Date.now() - started;

  let stopped: Promise<void> | undefined;
  const stopSync = (): void => {
    if (!stopped) spawnSync(script('stop'), ['--dir', out.dir], { stdio: 'ignore' });
  };
  // Covers a normal exit; the watchdog started by the script covers kills and crashes.
  process.once('exit', stopSync);
  return {
    ...out,
    startupMs,
    stop: (stopOptions = {}) => {
      stopped ??= execFileAsync(script('stop'), [
        '--dir',
        out.dir,
        ...(stopOptions.keep ? ['--keep'] : []),
      ]).then(() => {
        process.off('exit', stopSync);
      });
      return stopped;
    },
  };
}

function script(name: 'build' | 'start' | 'stop'): string {
  const path = `${KUBE_LOCAL_TOOLS_DIR}${name}`;
  if (!existsSync(path)) throw new Error(`${path} is missing; is this a ContextWeaver checkout?`);
  return path;
}
