/**
 * The platform's processes as children of a test, bench or reliability suite, started as they
 * run in production (`node --import tsx <entry>`, or `node <bundle>` for the esbuild bundle of
 * the image) and configured only by environment: a caller can SIGKILL one, start another, and
 * read every byte each wrote. (No project may import an app, and a kill loop needs real
 * processes anyway.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The checkout's root, with a trailing slash. */
export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** Each process's entry, relative to ROOT. */
export const ENTRIES = {
  'control-plane': 'apps/control-plane/src/main.ts',
  provisioner: 'apps/provisioner/src/main.ts',
  'tenant-operator': 'operators/tenant-operator/src/main.ts',
  'mcp-engine': 'apps/mcp-engine/src/main.ts',
  cerebro: 'apps/cerebro/src/main.ts',
} as const;
export type ProcessName = keyof typeof ENTRIES;

/** A TCP port free on 127.0.0.1 at the time of the call. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface PlatformProcess<Name extends string = ProcessName> {
  readonly name: Name;
  readonly child: ChildProcess;
  /** Resolves once the process has exited and its stdout and stderr are read to the end. */
  readonly exited: Promise<ProcessExit>;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  alive(): boolean;
  /** Sends `signal` (SIGKILL by default) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGTERM, then SIGKILL after graceMs. */
  stop(graceMs?: number): Promise<void>;
}

export type Echo = boolean | 'stderr';

export interface StartOptions {
  /** Runs this esbuild bundle (see buildBundle) with `node` instead of the entry through tsx. */
  readonly bundle?: string;
  /**
   * Copies the output to stderr, each line prefixed `[name pid]`; `'stderr'`: only what the process
   * writes to its stderr (crashes, not logs). PROCESS_ECHO set echoes everything.
   */
  readonly echo?: Echo;
  /** stop()'s default grace before SIGKILL: 10 s, 5 s for a bundle. */
  readonly graceMs?: number;
  /** Starts from the whole of process.env rather than PATH and HOME alone. */
  readonly inheritEnv?: boolean;
}

/**
 * Starts one process, cwd ROOT, its environment PATH and HOME (or all of process.env with
 * `inheritEnv`) overlaid with `env`. A bundle gets DATABASE_MIGRATIONS_DIR (the SQL files are
 * not in it) unless `env` sets it.
 */
export function startProcess(
  name: ProcessName,
  env: Record<string, string | undefined>,
  options: StartOptions = {},
): PlatformProcess {
  const base = options.inheritEnv ? process.env : { PATH: process.env.PATH, HOME: process.env.HOME };
  const child = spawn(
    process.execPath,
    options.bundle ? [options.bundle] : ['--import', 'tsx', ENTRIES[name]],
    {
      cwd: ROOT,
      env: {
        ...base,
        ...(options.bundle ? { DATABASE_MIGRATIONS_DIR: `${ROOT}libs/db/migrations` } : {}),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return superviseChild(name, child, {
    echo: options.echo,
    graceMs: options.graceMs ?? (options.bundle ? 5_000 : 10_000),
  });
}

/** Set to anything, copies every supervised process's output to stderr. RELIABILITY_ECHO and E2E_DEBUG are the older names. */
const echoFromEnv = () =>
  Boolean(process.env.PROCESS_ECHO || process.env.RELIABILITY_ECHO || process.env.E2E_DEBUG);

/** Wraps a spawned child (stdout and stderr piped) as a PlatformProcess: captured output, kill, stop. */
export function superviseChild<Name extends string>(
  name: Name,
  child: ChildProcess,
  options: { echo?: Echo; graceMs: number },
): PlatformProcess<Name> {
  let out = '';
  const echo: Echo = echoFromEnv() || (options.echo ?? false);
  const prefix = `[${name} ${child.pid}] `;
  const capture = (stream: NodeJS.ReadableStream | null, echoed: boolean) => {
    let lineStart = true;
    stream?.on('data', (d: Buffer | string) => {
      const text = String(d);
      out += text;
      if (!echoed || text === '') return;
      process.stderr.write(`${lineStart ? prefix : ''}${text.replace(/\n(?=[^])/g, `\n${prefix}`)}`);
      lineStart = text.endsWith('\n');
    });
  };
  capture(child.stdout, echo === true);
  capture(child.stderr, echo !== false);
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('exit', (code, signal) => {
      // The last bytes may still be in the pipes: wait for them to close, but not for long (a
      // grandchild can hold them open).
      const done = () => resolve({ code, signal });
      const timer = setTimeout(done, 500);
      child.once('close', () => {
        clearTimeout(timer);
        done();
      });
    });
    child.once('error', (error) => {
      out += `${name}: ${String(error)}\n`;
      if (child.pid === undefined) resolve({ code: null, signal: null }); // never started
    });
  });
  const alive = () => child.pid !== undefined && child.exitCode === null && child.signalCode === null;
  return {
    name,
    child,
    exited,
    output: () => out,
    alive,
    async kill(signal = 'SIGKILL') {
      if (!alive()) return;
      child.kill(signal);
      await exited;
    },
    async stop(graceMs = options.graceMs) {
      if (!alive()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

const TAIL = 4_000;
const tail = (proc: PlatformProcess<string>) => proc.output().slice(-TAIL);
const exitOf = (proc: PlatformProcess<string>) => proc.child.exitCode ?? proc.child.signalCode;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `url` answers 2xx. Rejects with the output's tail when the process exits first, or (stopping it) on timeout. */
export async function waitHttpOk(
  proc: PlatformProcess<string>,
  url: string,
  timeoutMs = 60_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (!proc.alive()) {
      await proc.exited;
      throw new Error(`${proc.name} exited (${exitOf(proc)}) before ${url} answered:\n${tail(proc)}`);
    }
    const ok = await fetch(url, { signal: AbortSignal.timeout(5_000) }).then(
      (r) => {
        void r.body?.cancel();
        return r.ok;
      },
      () => false,
    );
    if (ok) return;
    if (Date.now() > until) {
      await proc.stop();
      throw new Error(`${proc.name}: ${url} not ok after ${timeoutMs} ms:\n${tail(proc)}`);
    }
    await sleep(200);
  }
}

/** Waits until the output matches `ready`. Rejects with the output's tail when the process exits first, or (stopping it) on timeout. */
export async function waitForOutput(
  proc: PlatformProcess<string>,
  ready: RegExp,
  timeoutMs = 60_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (proc.output().search(ready) >= 0) return;
    if (!proc.alive()) {
      await proc.exited;
      if (proc.output().search(ready) >= 0) return;
      throw new Error(
        `${proc.name} exited (${exitOf(proc)}) before its output matched ${ready}:\n${tail(proc)}`,
      );
    }
    if (Date.now() > until) {
      await proc.stop();
      throw new Error(`${proc.name}: output did not match ${ready} within ${timeoutMs} ms:\n${tail(proc)}`);
    }
    await sleep(50);
  }
}
