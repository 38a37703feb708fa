/**
 * The platform's processes as the processes they are in production (`node --import tsx
 * <entry>`), configured by environment: a suite can SIGKILL one, start another, and read every
 * byte each wrote. (No project may import an app, and a kill loop needs real processes anyway.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { sleep } from './random.js';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export const ENTRIES = {
  'control-plane': 'apps/control-plane/src/main.ts',
  provisioner: 'apps/provisioner/src/main.ts',
  'tenant-operator': 'operators/tenant-operator/src/main.ts',
} as const;
export type ProcessName = keyof typeof ENTRIES;

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface PlatformProcess {
  readonly name: ProcessName;
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  alive(): boolean;
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGTERM, then SIGKILL after graceMs. */
  stop(graceMs?: number): Promise<void>;
}

export function startProcess(name: ProcessName, env: Record<string, string | undefined>, options: { echo?: boolean } = {}): PlatformProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRIES[name]], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return superviseChild(name, child, { echo: options.echo, graceMs: 10_000 });
}

/** Wraps a spawned child (stdout+stderr piped) as a PlatformProcess: captured output, kill, stop. */
export function superviseChild(
  name: ProcessName,
  child: ChildProcess,
  options: { echo?: boolean; graceMs: number },
): PlatformProcess {
  let out = '';
  const keep = (d: unknown) => {
    out += String(d);
    if (options.echo || process.env.RELIABILITY_ECHO) process.stderr.write(`[${name} ${child.pid}] ${String(d)}`);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const alive = () => child.exitCode === null && child.signalCode === null;
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

/** Waits until `url` answers 2xx (or the process dies). */
export async function waitHttpOk(proc: PlatformProcess, url: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (!proc.alive()) throw new Error(`${proc.name} exited before ${url} answered:\n${proc.output().slice(-3000)}`);
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    if (Date.now() > until) throw new Error(`${proc.name}: ${url} not ok after ${timeoutMs} ms:\n${proc.output().slice(-3000)}`);
    await sleep(200);
  }
}
