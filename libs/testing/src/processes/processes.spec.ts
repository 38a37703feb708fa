import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import {
  buildBundle,
  freePort,
  ROOT,
  startProcess,
  superviseChild,
  waitForOutput,
  waitHttpOk,
  type Echo,
  type PlatformProcess,
} from './index.js';

const started: PlatformProcess<string>[] = [];
/** `node -e script`, supervised. */
const node = (name: string, script: string, options: { echo?: Echo; graceMs?: number } = {}) => {
  const proc = superviseChild(
    name,
    spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] }),
    { graceMs: options.graceMs ?? 2_000, echo: options.echo },
  );
  started.push(proc);
  return proc;
};
const dir = mkdtempSync(join(tmpdir(), 'cw-processes-spec-'));

afterEach(async () => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  await Promise.all(started.splice(0).map((p) => p.kill()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('freePort', () => {
  it('gives a port that can be bound on 127.0.0.1', async () => {
    const port = await freePort();
    const server = createServer();
    await new Promise<void>((resolve, reject) =>
      server.once('error', reject).listen(port, '127.0.0.1', resolve),
    );
    expect((server.address() as { port: number }).port).toBe(port);
    await new Promise((resolve) => server.close(resolve));
  });
});

describe('superviseChild', () => {
  it('captures stdout and stderr, and kill() ends the process with SIGKILL', async () => {
    const proc = node(
      'chatty',
      "console.log('to stdout'); console.error('to stderr'); setInterval(() => {}, 1000)",
    );
    await waitForOutput(proc, /to stderr/, 5_000);
    await waitForOutput(proc, /to stdout/, 5_000);
    expect(proc.alive()).toBe(true);
    await proc.kill();
    expect(proc.alive()).toBe(false);
    expect(await proc.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(proc.output()).toContain('to stdout\n');
  });

  it('stop() sends SIGTERM first', async () => {
    const proc = node('polite', "console.log('up'); setInterval(() => {}, 1000)");
    await waitForOutput(proc, /up/, 5_000);
    await proc.stop();
    expect(await proc.exited).toEqual({ code: null, signal: 'SIGTERM' });
    await proc.stop(); // a second stop of a dead process is a no-op
  });

  it('stop() escalates to SIGKILL after graceMs when SIGTERM is ignored', async () => {
    const proc = node(
      'stubborn',
      "process.on('SIGTERM', () => console.log('ignoring SIGTERM')); console.log('up'); setInterval(() => {}, 1000)",
    );
    await waitForOutput(proc, /up/, 5_000);
    const t0 = Date.now();
    await proc.stop(300);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(await proc.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(proc.output()).toContain('ignoring SIGTERM');
  });

  it('keeps the last bytes a process writes before it exits', async () => {
    const proc = node('brief', "process.stdout.write('x'.repeat(100000) + 'END')");
    expect(await proc.exited).toEqual({ code: 0, signal: null });
    expect(proc.output().endsWith('END')).toBe(true);
  });

  it('echoes to stderr with every line prefixed by name and pid when asked (only stderr with echo: stderr)', async () => {
    for (const name of ['PROCESS_ECHO', 'RELIABILITY_ECHO', 'E2E_DEBUG']) vi.stubEnv(name, undefined);
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const script = "console.log('one\\ntwo'); setTimeout(() => console.error('three'), 100)";
    const all = node('loud', script, { echo: true });
    await all.exited;
    expect(written.splice(0).join('')).toBe(
      `[loud ${all.child.pid}] one\n[loud ${all.child.pid}] two\n[loud ${all.child.pid}] three\n`,
    );
    const errOnly = node('quiet', script, { echo: 'stderr' });
    await errOnly.exited;
    expect(written.join('')).toBe(`[quiet ${errOnly.child.pid}] three\n`);
    expect(errOnly.output()).toBe('one\ntwo\nthree\n');
  });
});

describe('waitForOutput', () => {
  it('rejects naming the exit and the tail of the output when the process exits first', async () => {
    const proc = node('doomed', "console.log('booting'); console.error('fatal: no config'); process.exit(3)");
    await expect(waitForOutput(proc, /listening/, 5_000)).rejects.toThrow(
      /^doomed exited \(3\) before its output matched \/listening\/:\nbooting\nfatal: no config/,
    );
  });

  it('stops the process and rejects on timeout', async () => {
    const proc = node('silent', 'setInterval(() => {}, 1000)');
    await expect(waitForOutput(proc, /ready/, 300)).rejects.toThrow(
      /silent: output did not match \/ready\/ within 300 ms/,
    );
    expect(proc.alive()).toBe(false);
  });

  it('resolves when the line comes just before the exit', async () => {
    const proc = node('quick', "console.log('ready')");
    await waitForOutput(proc, /ready/, 5_000);
  });
});

describe('waitHttpOk', () => {
  it('resolves once the URL answers 2xx', async () => {
    const port = await freePort();
    const proc = node(
      'http',
      `setTimeout(() => require('node:http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1'), 300)`,
    );
    await waitHttpOk(proc, `http://127.0.0.1:${port}/`, 5_000);
  });

  it('rejects with the tail of the output when the process exits before answering', async () => {
    const port = await freePort();
    const proc = node('crashy', "console.error('cannot listen'); process.exit(1)");
    await expect(waitHttpOk(proc, `http://127.0.0.1:${port}/`, 5_000)).rejects.toThrow(
      /crashy exited \(1\) before .* answered:\ncannot listen/,
    );
  });
});

describe('startProcess', () => {
  const bundle = join(dir, 'print-env.mjs');
  writeFileSync(bundle, 'console.log(JSON.stringify({ cwd: process.cwd(), env: process.env }));\n');
  const run = async (options: { inheritEnv?: boolean } = {}) => {
    const proc = startProcess(
      'provisioner',
      { CW_SPEC_VALUE: 'given', UNSET_ME: undefined },
      { bundle, ...options },
    );
    started.push(proc);
    expect(await proc.exited).toMatchObject({ code: 0 });
    return JSON.parse(proc.output()) as { cwd: string; env: Record<string, string> };
  };

  it('runs a bundle in the checkout with PATH, HOME, DATABASE_MIGRATIONS_DIR and the given variables only', async () => {
    const { cwd, env } = await run();
    expect(`${cwd}/`).toBe(ROOT);
    expect(env).toMatchObject({
      PATH: process.env.PATH,
      CW_SPEC_VALUE: 'given',
      DATABASE_MIGRATIONS_DIR: `${ROOT}libs/db/migrations`,
    });
    expect(Object.keys(env).sort()).toEqual(
      ['CW_SPEC_VALUE', 'DATABASE_MIGRATIONS_DIR', 'PATH', ...(process.env.HOME ? ['HOME'] : [])].sort(),
    );
  });

  it('passes the whole environment on with inheritEnv', async () => {
    vi.stubEnv('CW_SPEC_INHERITED', 'yes');
    const { env } = await run({ inheritEnv: true });
    expect(env).toMatchObject({ CW_SPEC_INHERITED: 'yes', CW_SPEC_VALUE: 'given' });
  });
});

describe('buildBundle', () => {
  it('refuses an output folder outside the checkout', async () => {
    await expect(buildBundle('provisioner', dir)).rejects.toThrow(/outside the checkout/);
  });
});
