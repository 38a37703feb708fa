/**
 * The MCP surface of the engine over the SDK's low-level Server: `tools/list` and `tools/call`
 * hand the verified user and the raw arguments to the gate and nothing else. A fresh Server is
 * built per session (2025-era clients) or per request (2026-07-28 clients); the tool list and
 * JSON schemas come from the gate, built once at start.
 */
import { Server, type ServerContext, type Tool } from '@modelcontextprotocol/server';
import type { Gate, ToolUser } from '@cw/mcp-gate';

export const ENGINE_VERSION = '0.1.0';

/** The verified user the HTTP layer attached to this request's AuthInfo. */
export function userOf(ctx: ServerContext): ToolUser {
  const user = ctx.http?.authInfo?.extra?.user as ToolUser | undefined;
  // Unreachable behind the auth check; fail closed rather than run as nobody.
  if (!user) throw new Error('unauthenticated request reached the MCP server');
  return user;
}

export function buildMcpServer(gate: Gate, engine: string): Server {
  const server = new Server(
    { name: `contextweaver-engine-${engine}`, version: ENGINE_VERSION },
    { capabilities: { tools: { listChanged: false } } },
  );
  server.setRequestHandler('tools/list', async (_request, ctx) => ({
    tools: (await gate.listTools(userOf(ctx))).map((t) => ({
      name: t.name,
      title: t.title,
      description: t.description,
      inputSchema: t.inputSchema as Tool['inputSchema'],
      annotations: {
        readOnlyHint: t.classification === 'read',
        destructiveHint: t.classification === 'destructive',
      },
    })),
  }));
  server.setRequestHandler('tools/call', async (request, ctx) => {
    const correlationId = (ctx.http?.authInfo?.extra?.correlationId as string | undefined) ?? undefined;
    const outcome = await gate.call(userOf(ctx), request.params.name, request.params.arguments, {
      signal: ctx.mcpReq.signal,
      ...(correlationId ? { correlationId } : {}),
    });
    return {
      content: [{ type: 'text' as const, text: outcome.text }],
      ...(outcome.structured ? { structuredContent: outcome.structured } : {}),
      isError: outcome.isError,
    };
  });
  return server;
}
