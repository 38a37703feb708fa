/**
 * Cerebro as a process (tsx, like `npm start`), memory store, dev outbox: idle RSS after boot,
 * then a signed-in person's home page at a fixed rate (open loop, CEREBRO_BENCH_RPS, default 50,
 * for CEREBRO_BENCH_SECONDS, default 10) → p50/p99, the session lookup's mean cost from cerebro's
 * own histogram, and RSS after the load. Alone: `node --import tsx tools/bench/src/cerebro.bench.ts`.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { percentile, round, type Figure } from './figure.js';
import {
  benchCerebroConfig,
  CerebroClient,
  freePort,
  repoRoot as root,
  waitOk,
} from './support/bench-kit.js';

const RPS = Number(process.env.CEREBRO_BENCH_RPS ?? 50);
const SECONDS = Number(process.env.CEREBRO_BENCH_SECONDS ?? 10);
const log = (msg: string) => process.stderr.write(`[cerebro.bench] ${msg}\n`);

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

export async function run(): Promise<Figure[]> {
  const dir = await mkdtemp(join(tmpdir(), 'cerebro-bench-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const email = 'bench-manager@bench.example';
  await writeFile(
    join(dir, 'config.json'),
    JSON.stringify(benchCerebroConfig({ base, dir, manager: email })),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/cerebro/src/main.ts'], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      CW_CONFIG_FILE: join(dir, 'config.json'),
      CW_PORT: String(port),
      CW_HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    await waitOk(`${base}/readyz`);
    await new Promise((r) => setTimeout(r, 2000));
    const idleRss = await rssMb(child.pid ?? 0);
    log(`idle RSS ${idleRss} MB`);

    // Sign in by magic link, as a person would.
    const client = new CerebroClient(base);
    await client.signIn(email, join(dir, 'outbox'));

    // Open loop at a fixed rate: a slow answer does not slow the sender down.
    const latencies: number[] = [];
    let errors = 0;
    const total = RPS * SECONDS;
    const started = performance.now();
    const pending: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = started + (i * 1000) / RPS;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const t0 = performance.now();
      pending.push(
        fetch(`${base}/`, { headers: { cookie: client.cookieHeader() }, redirect: 'manual' }).then(
          async (res) => {
            await res.arrayBuffer();
            if (res.status !== 200) errors += 1;
            latencies.push(performance.now() - t0);
          },
          () => void (errors += 1),
        ),
      );
    }
    await Promise.all(pending);
    const loadedRss = await rssMb(child.pid ?? 0);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    const sum = Number(/cw_cerebro_session_lookup_seconds_sum\{[^}]*\} ([\d.e-]+)/.exec(metrics)?.[1] ?? NaN);
    const count = Number(/cw_cerebro_session_lookup_seconds_count\{[^}]*\} (\d+)/.exec(metrics)?.[1] ?? NaN);
    latencies.sort((a, b) => a - b);
    log(`${latencies.length} requests at ${RPS}/s, ${errors} errors`);
    return [
      { name: 'idle RSS after boot (target ≤ 200)', value: idleRss, unit: 'MB' },
      { name: `authenticated page p50 at ${RPS} req/s`, value: round(percentile(latencies, 50)), unit: 'ms' },
      { name: `authenticated page p99 at ${RPS} req/s`, value: round(percentile(latencies, 99)), unit: 'ms' },
      { name: 'authenticated page errors', value: errors, unit: 'requests' },
      { name: 'session lookup mean (memory store)', value: round((sum / count) * 1000, 3), unit: 'ms' },
      { name: 'RSS after the load', value: loadedRss, unit: 'MB' },
    ];
  } finally {
    child.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const f of await run()) console.log(JSON.stringify(f));
}
