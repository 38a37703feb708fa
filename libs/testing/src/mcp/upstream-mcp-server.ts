/**
 * A local upstream MCP server (the official SDK, Streamable HTTP, stateless: a fresh McpServer
 * per request) for testing the proxy plugin. Its tools are a mutable list, so a test can change
 * a description or schema between calls (a "rug pull"), and a tool's handler can misbehave:
 * answer huge, trickle its answer, or imitate a tool call. It checks the bearer token when
 * `tokens` is given and records which token each request carried.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import { McpServer } from '@modelcontextprotocol/server';
import type { z } from 'zod';

export interface UpstreamTool {
  name: string;
  description: string;
  input: z.ZodObject;
  /**
   * Answer `tools/call` with an event stream that only ever sends keep-alive comments (every
   * 100 ms) and never a result: a slow stream below the SDK, at the HTTP level.
   */
  trickle?: boolean;
  /** What the tool answers; the default echoes its arguments as JSON text. */
  handler?: (
    args: Record<string, unknown>,
  ) => Promise<{ content: { type: 'text'; text: string }[]; isError?: boolean }>;
}

export interface UpstreamMcpServerOptions {
  tools: UpstreamTool[];
  /** token → principal name; when set, other tokens get 401. */
  tokens?: Record<string, string>;
}

export interface UpstreamMcpTestServer {
  /** The MCP endpoint (`…/mcp`). */
  url: string;
  /** Mutable: edit, add or remove tools between calls. */
  tools: UpstreamTool[];
  /** One entry per `tools/call`: the tool and the principal whose token came with it. */
  calls: { tool: string; principal?: string; args: Record<string, unknown> }[];
  /** Responses still open (a slow stream ends when the server closes). */
  close(): Promise<void>;
}

export async function startUpstreamMcpServer(
  options: UpstreamMcpServerOptions,
): Promise<UpstreamMcpTestServer> {
  const tools = options.tools;
  const calls: UpstreamMcpTestServer['calls'] = [];

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const principal = token && options.tokens ? options.tokens[token] : undefined;
    if (options.tokens && !principal) {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' });
      return res.end(JSON.stringify({ error: 'invalid_token' }));
    }
    const body = req.method === 'POST' ? await readJson(req) : undefined;
    const call = body as { method?: unknown; params?: { name?: unknown } } | undefined;
    if (call?.method === 'tools/call' && tools.some((t) => t.trickle && t.name === call.params?.name)) {
      calls.push({ tool: String(call.params?.name), args: {}, ...(principal ? { principal } : {}) });
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const timer = setInterval(() => res.write(': keep-alive\n\n'), 100);
      res.on('close', () => clearInterval(timer));
      return;
    }
    const server = new McpServer({ name: 'upstream-test', version: '1.0.0' });
    for (const tool of tools) {
      server.registerTool(
        tool.name,
        { description: tool.description, inputSchema: tool.input },
        async (args: Record<string, unknown>) => {
          calls.push({ tool: tool.name, args, ...(principal ? { principal } : {}) });
          if (tool.handler) return tool.handler(args);
          return { content: [{ type: 'text' as const, text: JSON.stringify(args) }] };
        },
      );
    }
    const transport = new NodeStreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  }

  const http: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500);
        res.end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as { port: number }).port}/mcp`,
    tools,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  };
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        resolve(undefined);
      }
    });
    req.on('error', reject);
  });
}
