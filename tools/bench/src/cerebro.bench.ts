/**
 * Cerebro as a process (tsx, like `npm start`), memory store, dev outbox: idle RSS after boot,
 * then a signed-in person's home page at a fixed rate (open loop, CEREBRO_BENCH_RPS, default 50,
 * for CEREBRO_BENCH_SECONDS, default 10) → p50/p99, the session lookup's mean cost from cerebro's
 * own histogram, and RSS after the load. Alone: `node --import tsx tools/bench/src/cerebro.bench.ts`.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { extractLinks, readOutbox } from '@cw/mail';
import { percentile, round, type Figure } from './figure.js';

const RPS = Number(process.env.CEREBRO_BENCH_RPS ?? 50);
const SECONDS = Number(process.env.CEREBRO_BENCH_SECONDS ?? 10);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const log = (msg: string) => process.stderr.write(`[cerebro.bench] ${msg}\n`);

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

class Jar {
  private readonly cookies = new Map<string, string>();
  header = () => [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  keep(res: Response) {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
  }
}

export async function run(): Promise<Figure[]> {
  const dir = await mkdtemp(join(tmpdir(), 'cerebro-bench-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const email = 'bench-manager@bench.example';
  await writeFile(
    join(dir, 'config.json'),
    JSON.stringify({
      tenant: 'bench',
      displayName: 'Bench Ltd',
      plan: 'team',
      seats: 50,
      hostname: 'bench.localtest.me',
      url: base,
      cloud: { provider: 'local', region: 'local' },
      identity: { mode: 'magic-link' },
      bootstrapManagers: [email],
      session: { insecureCookies: true },
      store: { kind: 'memory' },
      vault: { kind: 'memory' },
      mail: { transport: 'outbox', dir: join(dir, 'outbox'), from: 'cerebro@bench.example' },
      engines: [],
    }),
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
    const deadline = Date.now() + 180_000;
    while (
      Date.now() < deadline &&
      (await fetch(`${base}/readyz`).then(
        (r) => r.status,
        () => 0,
      )) !== 200
    ) {
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, 2000));
    const idleRss = await rssMb(child.pid ?? 0);
    log(`idle RSS ${idleRss} MB`);

    // Sign in by magic link, as a person would.
    const jar = new Jar();
    const form = async (path: string, body: Record<string, string>) => {
      const page = await fetch(`${base}${path === '/sign-in/email' ? '/sign-in' : path}`, {
        headers: { cookie: jar.header() },
      });
      jar.keep(page);
      const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
      const res = await fetch(`${base}${path}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ ...body, _csrf: csrf }),
      });
      jar.keep(res);
      return res;
    };
    await form('/sign-in/email', { email });
    const [mail] = await readOutbox(join(dir, 'outbox'), { to: email });
    const link = new URL(extractLinks(mail?.text ?? '').find((l) => l.includes('token=')) ?? '');
    await form(`/sign-in/link?token=${link.searchParams.get('token')}`, {
      token: link.searchParams.get('token') ?? '',
    }).then(() => undefined);
    const check = await fetch(`${base}/`, { headers: { cookie: jar.header() }, redirect: 'manual' });
    if (check.status !== 200) throw new Error(`not signed in: home answered ${check.status}`);

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
        fetch(`${base}/`, { headers: { cookie: jar.header() }, redirect: 'manual' }).then(
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
