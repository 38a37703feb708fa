/**
 * MCP engine throughput and latency: a no-op tool through the full gate (bearer JWT verified per
 * request, switches, role, read-only, schema, limits, approval check, audit row written to the
 * tenant store, metrics) against the same SDK server and transport wiring without auth and gate,
 * in the same run. Each server is its own process (this file re-run with `serve`), the load
 * generator is this process, both on loopback; 2025-era sessionful Streamable HTTP (what the SDK
 * client speaks by default), one session per load connection.
 *  - saturation: CONCURRENCY closed-loop workers for SECONDS → calls/s;
 *  - fixed rate: RATE calls/s open loop for SECONDS (latency from the scheduled send time, so
 *    queueing is not hidden) → p50/p99;
 *  - the server's peak RSS (VmHWM).
 * Alone: `node --import tsx tools/bench/src/engine.bench.ts`. ENGINE_BENCH_SECONDS (10),
 * ENGINE_BENCH_RATE (500), ENGINE_BENCH_CONCURRENCY (16) override the load.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, Agent, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { percentile, round, type Figure } from './figure.js';
import { startNoopEngine } from './support/bench-kit.js';

const SECONDS = Number(process.env.ENGINE_BENCH_SECONDS ?? 10);
const RATE = Number(process.env.ENGINE_BENCH_RATE ?? 500);
const CONCURRENCY = Number(process.env.ENGINE_BENCH_CONCURRENCY ?? 16);
const RESOURCE = 'http://engine-bench.tenant-bench.svc:5001/mcp';
const log = (msg: string) => process.stderr.write(`[engine.bench] ${msg}\n`);
const self = fileURLToPath(import.meta.url);

// ---------------------------------------------------------------------------------------------
// Server side (child process): `engine.bench.ts serve gated|plain <jwksUrl> <issuer>`

async function serveGated(jwksUrl: string, issuer: string): Promise<number> {
  // The engine runs as its own process, as http.bench runs the control plane.
  const engine = await startNoopEngine({
    port: 0,
    issuer,
    jwksUrl,
    resource: RESOURCE,
    limits: [{ argument: 'n', max: 1e12 }],
  });
  return Number(new URL(engine.mcpUrl).port);
}

/** The same SDK server and sessionful transport wiring, with no token check and no gate. */
async function servePlain(): Promise<number> {
  const { NodeStreamableHTTPServerTransport, hostHeaderValidation } =
    await import('@modelcontextprotocol/node');
  const checkHost = hostHeaderValidation(['127.0.0.1']);
  const { Server, isInitializeRequest } = await import('@modelcontextprotocol/server');
  const sessions = new Map<string, InstanceType<typeof NodeStreamableHTTPServerTransport>>();
  const readBody = (req: IncomingMessage) =>
    new Promise<unknown>((resolve) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : undefined));
    });
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      if (!checkHost(req, res)) return;
      const body = req.method === 'POST' ? await readBody(req) : undefined;
      const sid = req.headers['mcp-session-id'];
      if (typeof sid === 'string') return sessions.get(sid)!.handleRequest(req, res, body);
      if (!isInitializeRequest(body)) return res.writeHead(400).end();
      const transport: InstanceType<typeof NodeStreamableHTTPServerTransport> =
        new NodeStreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (id) => void sessions.set(id, transport),
        });
      const mcp = new Server({ name: 'plain', version: '0.0.0' }, { capabilities: { tools: {} } });
      mcp.setRequestHandler('tools/list', async () => ({
        tools: [{ name: 'proxy.noop', inputSchema: { type: 'object' as const, properties: {} } }],
      }));
      mcp.setRequestHandler('tools/call', async () => ({ content: [{ type: 'text' as const, text: 'ok' }] }));
      await mcp.connect(transport);
      await transport.handleRequest(req, res, body);
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

if (process.argv[2] === 'serve') {
  const port =
    process.argv[3] === 'gated' ? await serveGated(process.argv[4]!, process.argv[5]!) : await servePlain();
  process.stdout.write(`READY ${port}\n`);
}

// ---------------------------------------------------------------------------------------------
// Load side (this process)

interface Target {
  port: number;
  token?: string;
  child: ChildProcess;
}

const agent = new Agent({ keepAlive: true, maxSockets: 256 });

function post(
  t: Target,
  body: unknown,
  sid?: string,
): Promise<{ status: number; text: string; sid?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: t.port,
        path: '/mcp',
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2025-11-25',
          ...(t.token ? { authorization: `Bearer ${t.token}` } : {}),
          ...(sid ? { 'mcp-session-id': sid } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          const id = res.headers['mcp-session-id'];
          resolve({ status: res.statusCode ?? 0, text, ...(typeof id === 'string' ? { sid: id } : {}) });
        });
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

async function openSession(t: Target): Promise<string> {
  const init = await post(t, {
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } },
  });
  if (init.status !== 200 || !init.sid)
    throw new Error(`initialize: ${init.status} ${init.text.slice(0, 200)}`);
  await post(t, { jsonrpc: '2.0', method: 'notifications/initialized' }, init.sid);
  return init.sid;
}

let nextId = 1;
async function callNoop(t: Target, sid: string): Promise<boolean> {
  const r = await post(
    t,
    {
      jsonrpc: '2.0',
      id: nextId++,
      method: 'tools/call',
      params: { name: 'proxy.noop', arguments: { n: 1 } },
    },
    sid,
  );
  return r.status === 200 && r.text.includes('"ok"') && !r.text.includes('"isError":true');
}

async function saturation(t: Target): Promise<{ callsPerS: number; errors: number }> {
  const sessions = await Promise.all(Array.from({ length: CONCURRENCY }, () => openSession(t)));
  for (const sid of sessions) await callNoop(t, sid); // warm-up
  const end = performance.now() + SECONDS * 1000;
  let ok = 0;
  let errors = 0;
  const started = performance.now();
  await Promise.all(
    sessions.map(async (sid) => {
      while (performance.now() < end) {
        if (await callNoop(t, sid)) ok++;
        else errors++;
      }
    }),
  );
  return { callsPerS: ok / ((performance.now() - started) / 1000), errors };
}

async function fixedRate(
  t: Target,
  rate: number,
): Promise<{ p50: number; p99: number; errors: number; dropped: number }> {
  const sessions = await Promise.all(Array.from({ length: 64 }, () => openSession(t)));
  const latencies: number[] = [];
  let errors = 0;
  let dropped = 0;
  let inFlight = 0;
  const pending: Promise<void>[] = [];
  const count = Math.round(rate * SECONDS);
  const t0 = performance.now() + 50;
  for (let i = 0; i < count; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    if (inFlight >= 256) {
      dropped++;
      continue;
    }
    inFlight++;
    pending.push(
      callNoop(t, sessions[i % sessions.length]!)
        .then((ok) => (ok ? void latencies.push(performance.now() - due) : void errors++))
        .catch(() => void errors++)
        .finally(() => void inFlight--),
    );
  }
  await Promise.all(pending);
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors, dropped };
}

function startServer(mode: 'gated' | 'plain', jwksUrl = '', issuer = ''): Promise<Target> {
  const child = spawn(process.execPath, ['--import', 'tsx', self, 'serve', mode, jwksUrl, issuer], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'warn' },
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /READY (\d+)/.exec(out);
      if (m) resolve({ port: Number(m[1]), child });
    });
    child.once('exit', (code) => reject(new Error(`${mode} server exited with ${code}`)));
  });
}

const peakRssMb = (pid: number): number => {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : Number.NaN;
};

export async function run(): Promise<Figure[]> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'b1', alg: 'ES256' };
  const jwks = createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })),
  );
  await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
  const issuer = `http://127.0.0.1:${(jwks.address() as { port: number }).port}`;
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({
    email: 'bench@example.com',
    roles: ['viewer'],
    groups: [],
    tenant: 'bench',
    jti: randomUUID(),
  })
    .setProtectedHeader({ alg: 'ES256', kid: 'b1' })
    .setIssuer(issuer)
    .setAudience(RESOURCE)
    .setSubject('bench-user')
    .setIssuedAt(now)
    .setNotBefore(now - 1)
    .setExpirationTime(now + 290)
    .sign(privateKey);

  const plain = await startServer('plain');
  const gated = { ...(await startServer('gated', `${issuer}/.well-known/jwks.json`, issuer)), token };
  log(`saturation: ${CONCURRENCY} workers × ${SECONDS}s each`);
  const plainSat = await saturation(plain);
  const gatedSat = await saturation(gated);
  log(`plain ${round(plainSat.callsPerS, 0)} calls/s, gated ${round(gatedSat.callsPerS, 0)} calls/s`);
  // Latency at a rate both can sustain (half the slower one's saturation, at most RATE), so the
  // figure is service time, not an overloaded queue.
  const rate = Math.max(1, Math.min(RATE, Math.floor(Math.min(plainSat.callsPerS, gatedSat.callsPerS) / 2)));
  log(`fixed rate ${rate}/s × ${SECONDS}s`);
  const plainFixed = await fixedRate(plain, rate);
  const gatedFixed = await fixedRate(gated, rate);
  const plainResult = { ...plainSat, ...plainFixed, rss: peakRssMb(plain.child.pid!) };
  const gatedResult = { ...gatedSat, ...gatedFixed, rss: peakRssMb(gated.child.pid!) };
  plain.child.kill('SIGTERM');
  gated.child.kill('SIGTERM');
  jwks.close();
  agent.destroy();
  if (gatedResult.errors + plainResult.errors > 0)
    log(`errors: gated ${gatedResult.errors}, plain ${plainResult.errors}`);

  return [
    { name: 'engine_gated_calls_per_s', value: round(gatedResult.callsPerS, 0), unit: 'calls/s' },
    { name: 'engine_plain_calls_per_s', value: round(plainResult.callsPerS, 0), unit: 'calls/s' },
    {
      name: 'engine_gate_throughput_overhead',
      value: round((1 - gatedResult.callsPerS / plainResult.callsPerS) * 100, 1),
      unit: '%',
    },
    { name: 'engine_fixed_rate', value: rate, unit: 'calls/s' },
    { name: 'engine_gated_p50_at_fixed_rate', value: round(gatedResult.p50), unit: 'ms' },
    { name: 'engine_gated_p99_at_fixed_rate', value: round(gatedResult.p99), unit: 'ms' },
    { name: 'engine_plain_p50_at_fixed_rate', value: round(plainResult.p50), unit: 'ms' },
    { name: 'engine_plain_p99_at_fixed_rate', value: round(plainResult.p99), unit: 'ms' },
    { name: 'engine_gate_added_p99', value: round(gatedResult.p99 - plainResult.p99), unit: 'ms' },
    { name: 'engine_gated_errors', value: gatedResult.errors + gatedResult.dropped, unit: 'calls' },
    { name: 'engine_gated_peak_rss', value: gatedResult.rss, unit: 'MB' },
    { name: 'engine_plain_peak_rss', value: plainResult.rss, unit: 'MB' },
  ];
}

if (process.argv[2] !== 'serve' && import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const f of await run()) console.log(JSON.stringify(f));
  process.exit(0);
}
