/**
 * A scripted OpenAI-compatible model server: `POST /v1/chat/completions` (plain and SSE
 * streaming, tool calls included) and `POST /v1/embeddings`. Tests script what the "model"
 * answers, turn by turn, and read back every request it received, so a test can prove what the
 * model was (never) shown. It checks what the real API checks: the bearer key (when one is set),
 * a JSON body with `model` and a non-empty `messages` array whose roles are known, and that every
 * `tool` message answers a tool call of the conversation.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedToolCall {
  readonly name: string;
  /** The raw `arguments` string the model sends (malformed JSON can be scripted too). */
  readonly arguments: string;
}

export interface ScriptedReply {
  readonly text?: string;
  readonly toolCalls?: readonly ScriptedToolCall[];
  /** Wait before the first byte. */
  readonly delayMs?: number;
  /** Streaming: wait between chunks (text is sent a few characters per chunk). */
  readonly chunkDelayMs?: number;
  /** Answer with this HTTP status and an OpenAI-style error body instead. */
  readonly errorStatus?: number;
  readonly usage?: { readonly prompt_tokens: number; readonly completion_tokens: number };
}

export interface ChatRequestBody {
  readonly model: string;
  readonly stream?: boolean;
  readonly messages: readonly {
    role: string;
    content?: unknown;
    tool_calls?: unknown;
    tool_call_id?: string;
  }[];
  readonly tools?: readonly {
    type: string;
    function: { name: string; description?: string; parameters?: unknown };
  }[];
  readonly [key: string]: unknown;
}

export interface SeenRequest {
  readonly path: string;
  readonly authorization: string | undefined;
  readonly apiKey: string | undefined;
}

export type Script = (request: ChatRequestBody, turn: number) => ScriptedReply;

export interface ScriptedLlmServer {
  readonly url: string;
  /** Base URL for OpenAI-compatible clients (`<url>/v1`). */
  readonly baseUrl: string;
  /** Every chat request body received, in order (raw text kept for leak scans). */
  readonly requests: ChatRequestBody[];
  readonly rawBodies: string[];
  /** Path (with query) and auth headers of each chat request. */
  readonly seen: SeenRequest[];
  /** Replace the script; the turn counter restarts. */
  script(next: Script | readonly ScriptedReply[]): void;
  close(): Promise<void>;
}

const KNOWN_ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool']);

export async function startScriptedLlmServer(
  options: { apiKey?: string; script?: Script | readonly ScriptedReply[] } = {},
): Promise<ScriptedLlmServer> {
  let script: Script = toScript(options.script ?? []);
  let turn = 0;
  const requests: ChatRequestBody[] = [];
  const rawBodies: string[] = [];
  const seen: SeenRequest[] = [];
  const open = new Set<ServerResponse>();

  const server: Server = createServer((req, res) => {
    open.add(res);
    res.on('close', () => open.delete(res));
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) fail(res, 500, String(error));
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (options.apiKey && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      return fail(res, 401, 'Incorrect API key provided.', 'invalid_api_key');
    }
    const raw = await readBody(req);
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'POST' && path === '/v1/embeddings') return embeddings(raw, res);
    // Azure OpenAI serves the same body under /openai/deployments/<name>/chat/completions.
    if (req.method !== 'POST' || !path?.endsWith('/chat/completions'))
      return fail(res, 404, 'Unknown route.');
    let body: ChatRequestBody;
    try {
      body = JSON.parse(raw) as ChatRequestBody;
    } catch {
      return fail(res, 400, 'We could not parse the JSON body of your request.');
    }
    const problem = checkChatBody(body);
    if (problem) return fail(res, 400, problem);
    requests.push(body);
    rawBodies.push(raw);
    seen.push({
      path: req.url ?? '',
      authorization: req.headers.authorization,
      apiKey: req.headers['api-key'] as string | undefined,
    });
    const reply = script(body, turn++);
    if (reply.delayMs) await sleep(reply.delayMs);
    if (res.destroyed) return;
    if (reply.errorStatus) return fail(res, reply.errorStatus, `Scripted error ${reply.errorStatus}.`);
    if (body.stream) return stream(body, reply, res);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(completion(body, reply)));
  }

  async function stream(body: ChatRequestBody, reply: ScriptedReply, res: ServerResponse): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const id = `chatcmpl-${Date.now().toString(36)}`;
    const send = (
      delta: Record<string, unknown>,
      finish: string | null,
      extra: Record<string, unknown> = {},
    ) =>
      res.write(
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: now(), model: body.model, choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`,
      );
    send({ role: 'assistant', content: '' }, null);
    const text = reply.text ?? '';
    for (let i = 0; i < text.length; i += 4) {
      if (res.destroyed) return;
      if (reply.chunkDelayMs) await sleep(reply.chunkDelayMs);
      send({ content: text.slice(i, i + 4) }, null);
    }
    (reply.toolCalls ?? []).forEach((call, index) =>
      send(
        {
          tool_calls: [
            {
              index,
              id: `call_${turn}_${index}`,
              type: 'function',
              function: { name: call.name, arguments: call.arguments },
            },
          ],
        },
        null,
      ),
    );
    send({}, reply.toolCalls?.length ? 'tool_calls' : 'stop', { usage: usage(reply) });
    res.write('data: [DONE]\n\n');
    res.end();
  }

  function embeddings(raw: string, res: ServerResponse): void {
    let body: { input?: unknown; model?: unknown };
    try {
      body = JSON.parse(raw) as typeof body;
    } catch {
      return fail(res, 400, 'We could not parse the JSON body of your request.');
    }
    const inputs = Array.isArray(body.input) ? body.input : [body.input];
    if (typeof body.model !== 'string' || inputs.some((i) => typeof i !== 'string')) {
      return fail(res, 400, "'model' and 'input' (string or string[]) are required.");
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        object: 'list',
        model: body.model,
        data: (inputs as string[]).map((text, index) => ({
          object: 'embedding',
          index,
          embedding: toyEmbedding(text),
        })),
        usage: { prompt_tokens: inputs.length, total_tokens: inputs.length },
      }),
    );
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    baseUrl: `${url}/v1`,
    requests,
    rawBodies,
    seen,
    script(next) {
      script = toScript(next);
      turn = 0;
    },
    async close() {
      for (const res of open) res.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function toScript(script: Script | readonly ScriptedReply[]): Script {
  if (typeof script === 'function') return script;
  return (_req, turn) => script[turn] ?? { text: 'No more scripted replies.' };
}

function checkChatBody(body: ChatRequestBody): string | undefined {
  if (typeof body !== 'object' || body === null) return 'The body must be a JSON object.';
  if (typeof body.model !== 'string' || !body.model) return "you must provide a model parameter ('model').";
  if (!Array.isArray(body.messages) || body.messages.length === 0)
    return "'messages' must be a non-empty array.";
  const callIds = new Set<string>();
  for (const [i, m] of body.messages.entries()) {
    if (!KNOWN_ROLES.has(m.role)) return `Invalid value for 'messages[${i}].role': '${String(m.role)}'.`;
    for (const c of (m.tool_calls as { id?: string }[] | undefined) ?? []) if (c.id) callIds.add(c.id);
    if (m.role === 'tool' && (!m.tool_call_id || !callIds.has(m.tool_call_id))) {
      return `'messages[${i}]': messages with role 'tool' must be a response to a preceding message with 'tool_calls'.`;
    }
  }
  return undefined;
}

function completion(body: ChatRequestBody, reply: ScriptedReply) {
  const toolCalls = (reply.toolCalls ?? []).map((c, i) => ({
    id: `call_${i}_${Date.now().toString(36)}`,
    type: 'function',
    function: { name: c.name, arguments: c.arguments },
  }));
  return {
    id: `chatcmpl-${Date.now().toString(36)}`,
    object: 'chat.completion',
    created: now(),
    model: body.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: reply.text ?? null,
          ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
        },
        finish_reason: toolCalls.length ? 'tool_calls' : 'stop',
      },
    ],
    usage: usage(reply),
  };
}

const usage = (reply: ScriptedReply) => {
  const u = reply.usage ?? {
    prompt_tokens: 10,
    completion_tokens: Math.max(1, Math.ceil((reply.text ?? '').length / 4)),
  };
  return { ...u, total_tokens: u.prompt_tokens + u.completion_tokens };
};

/** A deterministic 8-dimensional vector of a text (only for protocol tests of embedding clients). */
function toyEmbedding(text: string): number[] {
  const v = new Array<number>(8).fill(0);
  for (let i = 0; i < text.length; i++) v[i % 8]! += text.charCodeAt(i) / 1000;
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

function fail(res: ServerResponse, status: number, message: string, code: string | null = null): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { message, type: 'invalid_request_error', param: null, code } }));
}

const now = () => Math.floor(Date.now() / 1000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
