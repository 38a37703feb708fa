/**
 * The AI hub's own cost: one agent turn through cerebro (a process, as `npm start` runs it) with
 * the scripted model (this process, answering at once) and a real engine (its own process, full
 * gate, a no-op tool, audit rows), over cerebro's streaming chat endpoint as a signed-in person.
 * Sequential turns (closed loop, one at a time), alternating:
 *  - a turn without tools: message → model answers "ok" (cerebro + tools/list as the person +
 *    one model call);
 *  - a turn with one tool call: message → model calls the tool → cerebro mints a token for that
 *    engine and person, calls it over MCP, the gate decides, the engine runs it → model answers.
 * Figures: both turns' p50/p99; the tool round trip as cerebro measures it (token mint + MCP call
 * + gate + engine, the `durationMs` of each tool call); the added time per tool round trip
 * (per pair: turn with a tool − the turn without next to it − one model call of the model's own
 * measured next to it); time to first
 * token through cerebro vs the model's own (the same streaming request sent straight to it).
 * AGENT_BENCH_TURNS (150 of each) overrides the count. Alone:
 * `node --import tsx tools/bench/src/agent.bench.ts`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startScriptedLlmServer, type ScriptedReply } from '@cw/testing/llm';
import { percentile, round, type Figure } from './figure.js';
import {
  benchCerebroConfig,
  CerebroClient,
  freePort,
  repoRoot as root,
  startNoopEngine,
  waitOk,
} from './support/bench-kit.js';

const TURNS = Number(process.env.AGENT_BENCH_TURNS ?? 150);
const WARMUP = 10;
/** A fresh conversation every few turns, so the history a turn loads stays the same size. */
const TURNS_PER_CONVERSATION = 5;
const self = fileURLToPath(import.meta.url);
const log = (msg: string) => process.stderr.write(`[agent.bench] ${msg}\n`);

// ---------------------------------------------------------------------------------------------
// Engine (child process): `agent.bench.ts serve-engine <port> <issuer>`

async function serveEngine(port: number, issuer: string): Promise<void> {
  await startNoopEngine({
    port,
    issuer,
    jwksUrl: `${issuer}/.well-known/jwks.json`,
    resource: `http://127.0.0.1:${port}/mcp`,
  });
  process.stdout.write('READY\n');
}

if (process.argv[2] === 'serve-engine') await serveEngine(Number(process.argv[3]), process.argv[4]!);

// ---------------------------------------------------------------------------------------------
// Load side (this process)

function startChild(args: string[], env: Record<string, string>, ready?: RegExp): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', NODE_ENV: 'production', ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (ready?.test(out)) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
    if (!ready) resolve(child);
  });
}

interface Turn {
  totalMs: number;
  firstTextMs: number;
  toolMs?: number;
  outcome?: string;
}

export async function run(): Promise<Figure[]> {
  const dir = await mkdtemp(join(tmpdir(), 'agent-bench-'));
  const llm = await startScriptedLlmServer();
  const [cerebroPort, enginePort] = [await freePort(), await freePort()];
  const base = `http://127.0.0.1:${cerebroPort}`;
  const mcpUrl = `http://127.0.0.1:${enginePort}/mcp`;
  const email = 'bench-dev@bench.example';
  const children: ChildProcess[] = [];
  try {
    children.push(await startChild([self, 'serve-engine', String(enginePort), base], {}, /READY/));
    await writeFile(
      join(dir, 'config.json'),
      JSON.stringify(
        benchCerebroConfig({
          base,
          dir,
          manager: email,
          engines: [{ name: 'bench', mcpUrl, plugins: ['proxy'] }],
          llmBaseUrl: llm.baseUrl,
        }),
      ),
    );
    children.push(
      await startChild(['apps/cerebro/src/main.ts'], {
        CW_CONFIG_FILE: join(dir, 'config.json'),
        CW_PORT: String(cerebroPort),
        CW_HOST: '127.0.0.1',
      }),
    );
    await waitOk(`${base}/readyz`);

    // Sign in by magic link, as a person would.
    const client = new CerebroClient(base);
    await client.signIn(email, join(dir, 'outbox'));
    if ((await client.page('/chat')).res.status !== 200) throw new Error('not signed in');

    const toolName = 'bench__proxy_noop';
    let conversation = '';
    let inConversation = TURNS_PER_CONVERSATION;
    const turn = async (replies: ScriptedReply[]): Promise<Turn> => {
      if (inConversation >= TURNS_PER_CONVERSATION) {
        llm.script([{ text: 'ready' }]);
        const created = await client.form('/chat', { message: 'start' });
        conversation = created.headers.get('location') ?? '';
        await client.page(conversation);
        inConversation = 0;
      }
      inConversation += 1;
      llm.script(replies);
      const t0 = performance.now();
      const res = await fetch(`${base}${conversation}/messages`, {
        method: 'POST',
        headers: {
          cookie: client.cookieHeader(),
          accept: 'text/event-stream',
          'x-csrf-token': client.csrf,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ message: 'go', _csrf: client.csrf }),
      });
      if (res.status !== 200 || !res.body)
        throw new Error(`turn answered ${res.status}: ${await res.text()}`);
      let firstTextMs = Number.NaN;
      let toolMs: number | undefined;
      let outcome: string | undefined;
      let buffer = '';
      const decoder = new TextDecoder();
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let cut;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const e = JSON.parse(buffer.slice(0, cut).replace(/^data: /, '')) as {
            type: string;
            durationMs?: number;
            outcome?: string;
          };
          buffer = buffer.slice(cut + 2);
          if (e.type === 'text' && Number.isNaN(firstTextMs)) firstTextMs = performance.now() - t0;
          if (e.type === 'tool-end') {
            toolMs = e.durationMs;
            outcome = e.outcome;
          }
        }
      }
      return {
        totalMs: performance.now() - t0,
        firstTextMs,
        ...(toolMs !== undefined ? { toolMs } : {}),
        ...(outcome ? { outcome } : {}),
      };
    };

    // The model's own time: the same streaming chat request, straight to the scripted server.
    const direct = async (): Promise<{ totalMs: number; firstMs: number }> => {
      llm.script([{ text: 'ok' }]);
      const t0 = performance.now();
      const res = await fetch(`${llm.baseUrl}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'scripted',
          stream: true,
          messages: [{ role: 'user', content: 'go' }],
        }),
      });
      let firstMs = Number.NaN;
      for await (const _chunk of res.body!) if (Number.isNaN(firstMs)) firstMs = performance.now() - t0;
      return { totalMs: performance.now() - t0, firstMs };
    };

    const plainReply: ScriptedReply[] = [{ text: 'ok' }];
    const toolReply: ScriptedReply[] = [{ toolCalls: [{ name: toolName, arguments: '{}' }] }, { text: 'ok' }];
    for (let i = 0; i < WARMUP; i++) {
      await turn(plainReply);
      const t = await turn(toolReply);
      if (t.outcome !== 'ok') throw new Error(`the tool call was not run (outcome ${t.outcome ?? 'none'})`);
      await direct();
    }
    const plain: Turn[] = [];
    const withTool: Turn[] = [];
    const model: { totalMs: number; firstMs: number }[] = [];
    const started = performance.now();
    for (let i = 0; i < TURNS; i++) {
      plain.push(await turn(plainReply));
      const t = await turn(toolReply);
      if (t.outcome !== 'ok') throw new Error(`tool call outcome ${t.outcome ?? 'none'}`);
      withTool.push(t);
      model.push(await direct());
    }
    log(`${TURNS} turns of each kind in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
    const plainMs = sorted(plain.map((t) => t.totalMs));
    const toolTurnMs = sorted(withTool.map((t) => t.totalMs));
    const toolMs = sorted(withTool.map((t) => t.toolMs!));
    const modelMs = sorted(model.map((m) => m.totalMs));
    const modelFirst = sorted(model.map((m) => m.firstMs));
    const ttft = sorted(plain.map((t) => t.firstTextMs));
    // Paired: each tool turn minus the turn without tools and the model call run next to it.
    const addedMs = sorted(withTool.map((t, i) => t.totalMs - plain[i]!.totalMs - model[i]!.totalMs));
    const added = (p: number) => percentile(addedMs, p);
    return [
      { name: 'agent turn without tools p50', value: round(percentile(plainMs, 50)), unit: 'ms' },
      { name: 'agent turn without tools p99', value: round(percentile(plainMs, 99)), unit: 'ms' },
      { name: 'agent turn with one tool call p50', value: round(percentile(toolTurnMs, 50)), unit: 'ms' },
      { name: 'agent turn with one tool call p99', value: round(percentile(toolTurnMs, 99)), unit: 'ms' },
      {
        name: 'tool round trip in cerebro (mint + MCP + gate) p50',
        value: round(percentile(toolMs, 50)),
        unit: 'ms',
      },
      {
        name: 'tool round trip in cerebro (mint + MCP + gate) p99 (target ≤ 50)',
        value: round(percentile(toolMs, 99)),
        unit: 'ms',
      },
      { name: 'added per tool round trip, turn difference p50', value: round(added(50)), unit: 'ms' },
      { name: 'added per tool round trip, turn difference p99', value: round(added(99)), unit: 'ms' },
      { name: "model's own streaming request p50", value: round(percentile(modelMs, 50)), unit: 'ms' },
      { name: "model's own time to first chunk p50", value: round(percentile(modelFirst, 50)), unit: 'ms' },
      { name: 'time to first token through cerebro p50', value: round(percentile(ttft, 50)), unit: 'ms' },
      { name: 'time to first token through cerebro p99', value: round(percentile(ttft, 99)), unit: 'ms' },
      {
        name: 'time to first token added over the model p50',
        value: round(percentile(ttft, 50) - percentile(modelFirst, 50)),
        unit: 'ms',
      },
      {
        name: 'time to first token added over the model p99',
        value: round(percentile(ttft, 99) - percentile(modelFirst, 99)),
        unit: 'ms',
      },
    ];
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await llm.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] !== 'serve-engine' && import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const f of await run()) console.log(JSON.stringify(f));
}
