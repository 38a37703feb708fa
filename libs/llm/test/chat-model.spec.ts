import { startScriptedLlmServer, type ScriptedLlmServer } from '@cw/testing/llm';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createChatModel,
  createUsageRecorder,
  LlmCallError,
  LlmNotConfiguredError,
  type ChatEvent,
} from '../src/index.js';

const collect = async (it: AsyncIterable<ChatEvent>) => {
  const events: ChatEvent[] = [];
  for await (const e of it) events.push(e);
  return events;
};
const text = (events: ChatEvent[]) => events.flatMap((e) => (e.type === 'text' ? [e.delta] : [])).join('');

describe('chat model on an OpenAI-compatible endpoint (scripted server)', () => {
  let server: ScriptedLlmServer;
  beforeAll(async () => {
    server = await startScriptedLlmServer();
  });
  afterAll(() => server.close());
  const model = (registry?: Registry) =>
    createChatModel(
      { kind: 'openai-compatible', baseUrl: server.baseUrl, model: 'scripted-1' },
      registry ? { usage: createUsageRecorder(registry, 'acme') } : {},
    );

  it('streams text and records token usage per tenant, without user labels', async () => {
    server.script([{ text: 'Hello from the model', usage: { prompt_tokens: 12, completion_tokens: 5 } }]);
    const registry = new Registry();
    const events = await collect(
      model(registry).stream({ messages: [{ role: 'user', content: 'hi' }], tools: [] }),
    );
    expect(text(events)).toBe('Hello from the model');
    expect(events.at(-1)).toMatchObject({ type: 'finish', usage: { inputTokens: 12, outputTokens: 5 } });
    const metrics = await registry.metrics();
    expect(metrics).toContain(
      'cw_llm_tokens_total{tenant="acme",provider="openai-compatible",model="scripted-1",direction="input"} 12',
    );
    expect(metrics).not.toMatch(/user/);
    expect(server.requests.at(-1)).toMatchObject({ model: 'scripted-1', stream: true });
  });

  it('hands tool calls to the caller without running anything, malformed arguments included', async () => {
    server.script([
      {
        toolCalls: [
          { name: 'main__payments_charge', arguments: '{"amount":5}' },
          { name: 'main__payments_balance', arguments: '{not json' },
        ],
      },
    ]);
    const events = await collect(
      model().stream({
        messages: [{ role: 'user', content: 'charge 5' }],
        tools: [
          {
            name: 'main__payments_charge',
            description: 'charge',
            inputSchema: { type: 'object', properties: { amount: { type: 'number' } } },
          },
          {
            name: 'main__payments_balance',
            description: 'balance',
            inputSchema: { type: 'object', properties: {} },
          },
        ],
      }),
    );
    const calls = events.flatMap((e) => (e.type === 'tool-call' ? [e.call] : []));
    expect(calls.map((c) => c.name)).toEqual(['main__payments_charge', 'main__payments_balance']);
    expect(JSON.parse(calls[0]!.rawArguments)).toEqual({ amount: 5 });
    expect(calls[1]!.rawArguments).not.toBe('{"amount":5}');
    const sentTools = server.requests.at(-1)!.tools!.map((t) => t.function.name);
    expect(sentTools).toEqual(['main__payments_charge', 'main__payments_balance']);
  });

  it('sends a tool round trip back in the shape the API requires', async () => {
    server.script([{ text: 'done' }]);
    await collect(
      model().stream({
        messages: [
          { role: 'user', content: 'balance?' },
          { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 't', rawArguments: '{}' }] },
          { role: 'tool', toolCallId: 'call_1', toolName: 't', content: 'balance: 10' },
        ],
        tools: [{ name: 't', description: 'd', inputSchema: { type: 'object', properties: {} } }],
      }),
    );
    const sent = server.requests.at(-1)!.messages;
    expect(sent.map((m) => m.role)).toEqual(['user', 'assistant', 'tool']);
    expect(sent[2]).toMatchObject({ tool_call_id: 'call_1' });
  });

  it('times out a slow model with a clear error', async () => {
    server.script([{ text: 'late', delayMs: 1500 }]);
    const err = await collect(
      model().stream({ messages: [{ role: 'user', content: 'x' }], tools: [], timeoutMs: 200 }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LlmCallError);
    expect((err as LlmCallError).kind).toBe('timeout');
  });

  it('stops when the caller cancels mid-stream', async () => {
    server.script([{ text: 'a long answer that streams slowly', chunkDelayMs: 50 }]);
    const ac = new AbortController();
    const seen: string[] = [];
    const err = await (async () => {
      for await (const e of model().stream({
        messages: [{ role: 'user', content: 'x' }],
        tools: [],
        signal: ac.signal,
      })) {
        if (e.type === 'text') seen.push(e.delta);
        if (seen.length === 2) ac.abort();
      }
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LlmCallError);
    expect((err as LlmCallError).kind).toBe('aborted');
    expect(seen.join('').length).toBeLessThan('a long answer that streams slowly'.length);
  });

  it('says a refused request is refused (HTTP 4xx) and an outage is an outage (5xx)', async () => {
    server.script([{ errorStatus: 400 }]);
    const refused = await collect(
      model().stream({ messages: [{ role: 'user', content: 'x' }], tools: [] }),
    ).catch((e: unknown) => e);
    expect((refused as LlmCallError).kind).toBe('rejected');
    server.script([{ errorStatus: 503 }, { errorStatus: 503 }, { errorStatus: 503 }]);
    const down = await collect(
      model().stream({ messages: [{ role: 'user', content: 'x' }], tools: [] }),
    ).catch((e: unknown) => e);
    expect((down as LlmCallError).kind).toBe('unavailable');
  });

  it('no LLM configured → a clear error the hub turns into its banner', async () => {
    const none = createChatModel({ kind: 'none' });
    expect(none.provider).toBe('none');
    await expect(
      collect(none.stream({ messages: [{ role: 'user', content: 'x' }], tools: [] })),
    ).rejects.toBeInstanceOf(LlmNotConfiguredError);
  });
});

describe('cloud adapters: request shapes and workload-identity auth', () => {
  let server: ScriptedLlmServer;
  beforeAll(async () => {
    server = await startScriptedLlmServer({ script: [{ text: 'ok' }] });
  });
  afterAll(() => server.close());

  it('Azure OpenAI: deployment URL, api-version, and an Entra bearer token (no api-key header)', async () => {
    const model = createChatModel(
      {
        kind: 'azure-openai',
        endpoint: 'https://aoai.example.com/',
        deployment: 'gpt-4o-prod',
        apiVersion: '2024-10-21',
      },
      { azureToken: async () => 'entra-token-123', baseUrlOverride: `${server.url}/openai` },
    );
    server.script([{ text: 'ok' }]);
    expect(text(await collect(model.stream({ messages: [{ role: 'user', content: 'x' }], tools: [] })))).toBe(
      'ok',
    );
    const seen = server.seen.at(-1)!;
    expect(seen.path).toBe('/openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-10-21');
    expect(seen.authorization).toBe('Bearer entra-token-123');
    expect(seen.apiKey).toBeUndefined();
  });

  it('Bedrock: SigV4-signed Converse request for the configured model and region', async () => {
    const calls: { url: string; auth: string | null }[] = [];
    const capture: typeof fetch = async (input, init) => {
      calls.push({ url: String(input), auth: new Headers(init?.headers).get('authorization') });
      return new Response(JSON.stringify({ message: 'stop here' }), { status: 403 });
    };
    const model = createChatModel(
      { kind: 'bedrock', region: 'eu-west-1', model: 'anthropic.claude-3-5-sonnet-20240620-v1:0' },
      {
        fetch: capture,
        awsCredentials: async () => ({
          accessKeyId: 'AKIDEXAMPLE',
          secretAccessKey: 'x',
          sessionToken: 'irsa-session',
        }),
      },
    );
    await collect(model.stream({ messages: [{ role: 'user', content: 'x' }], tools: [] })).catch(
      () => undefined,
    );
    expect(calls[0]!.url).toMatch(
      /^https:\/\/bedrock-runtime\.eu-west-1\.amazonaws\.com\/model\/anthropic\.claude-3-5-sonnet-20240620-v1(%3A|:)0\/converse-stream$/,
    );
    expect(calls[0]!.auth).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/bedrock\/aws4_request/,
    );
  });

  it('Vertex AI: the project/location streamGenerateContent URL', async () => {
    const calls: string[] = [];
    const capture: typeof fetch = async (input) => {
      calls.push(String(input));
      return new Response('{}', { status: 403 });
    };
    const model = createChatModel(
      { kind: 'vertex', project: 'globex-prod', location: 'europe-west4', model: 'gemini-2.5-flash' },
      {
        fetch: capture,
        googleAuthClient: {
          getAccessToken: async () => ({ token: 'wif-token' }),
          getRequestHeaders: async () => new Headers({ authorization: 'Bearer wif-token' }),
        },
        baseUrlOverride:
          'https://europe-west4-aiplatform.googleapis.com/v1/projects/globex-prod/locations/europe-west4/publishers/google',
      },
    );
    await collect(model.stream({ messages: [{ role: 'user', content: 'x' }], tools: [] })).catch(
      () => undefined,
    );
    expect(calls[0]).toContain(
      '/projects/globex-prod/locations/europe-west4/publishers/google/models/gemini-2.5-flash:streamGenerateContent',
    );
  });
});

describe('system instructions', () => {
  it('are sent as the system message, ahead of the conversation', async () => {
    const server = await startScriptedLlmServer({ script: [{ text: 'ok' }] });
    try {
      const model = createChatModel({ kind: 'openai-compatible', baseUrl: server.baseUrl, model: 'm' });
      await collect(
        model.stream({
          messages: [
            { role: 'system', content: 'be brief' },
            { role: 'user', content: 'hi' },
          ],
          tools: [],
        }),
      );
      expect(server.requests[0]!.messages.map((m) => m.role)).toEqual(['system', 'user']);
      expect(server.requests[0]!.messages[0]!.content).toBe('be brief');
    } finally {
      await server.close();
    }
  });
});
