/**
 * Chat turns reuse a person's MCP session and tool list across turns: the second turn neither
 * re-initialises nor re-lists; a session the engine no longer knows (restart, idle sweep: 404) is
 * reopened and the call sent once more — it runs exactly once; another person (or the same
 * person with other roles) never shares a session. Against an SDK MCP server on loopback that can
 * forget its sessions.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import { Server as McpServer, isInitializeRequest } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineToolbox, McpClientPool, ToolListCache } from '../../src/hub/engine-toolbox.js';
import { EngineTokenMint } from '../../src/hub/token-mint.js';

describe('pooled MCP sessions and tool lists across chat turns', () => {
  let server: Server;
  let url = '';
  const sessions = new Map<string, NodeStreamableHTTPServerTransport>();
  const counts = { initialize: 0, list: 0, call: 0 };
  const subjects: string[] = [];

  const readBody = (req: IncomingMessage) =>
    new Promise<unknown>((resolve) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : undefined));
    });

  beforeAll(async () => {
    server = createServer((req, res) => {
      void (async () => {
        const body = req.method === 'POST' ? await readBody(req) : undefined;
        const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
        subjects.push(JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString() || '{}').sub);
        const sid = req.headers['mcp-session-id'];
        if (typeof sid === 'string') {
          const known = sessions.get(sid);
          if (!known) {
            res.writeHead(404, { 'content-type': 'application/json' });
            res.end(
              JSON.stringify({
                jsonrpc: '2.0',
                error: { code: -32001, message: 'Session not found' },
                id: null,
              }),
            );
            return;
          }
          return known.handleRequest(req, res, body);
        }
        if (!isInitializeRequest(body)) return res.writeHead(400).end();
        counts.initialize += 1;
        const transport: NodeStreamableHTTPServerTransport = new NodeStreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (id) => void sessions.set(id, transport),
        });
        const mcp = new McpServer({ name: 'fake-engine', version: '0.0.0' }, { capabilities: { tools: {} } });
        mcp.setRequestHandler('tools/list', async () => {
          counts.list += 1;
          return { tools: [{ name: 'demo.echo', inputSchema: { type: 'object' as const, properties: {} } }] };
        });
        mcp.setRequestHandler('tools/call', async () => {
          counts.call += 1;
          return { content: [{ type: 'text' as const, text: 'echo' }] };
        });
        await mcp.connect(transport);
        await transport.handleRequest(req, res, body);
      })();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/mcp`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('reuses, recovers from a forgotten session without running twice, and never shares across people', async () => {
    const mint = await EngineTokenMint.ephemeral('http://cerebro.test', 'acme');
    const pool = new McpClientPool();
    const listCache = new ToolListCache();
    const ann = { id: 'u_ann', email: 'ann@acme.test', roles: ['viewer'], groups: [] };
    const turn = async (user: typeof ann) => {
      const box = new EngineToolbox([{ name: 'main', mcpUrl: url }], mint, user, {
        clientPool: pool,
        listCache,
      });
      const tools = await box.list();
      expect(tools.map((t) => t.name)).toEqual(['main__demo_echo']);
      const result = await box.call('main__demo_echo', {});
      await box.close();
      return result;
    };

    expect((await turn(ann)).outcome).toBe('ok');
    expect(await turn(ann)).toMatchObject({ outcome: 'ok', text: 'echo' });
    expect(counts).toEqual({ initialize: 1, list: 1, call: 2 });

    // The engine forgets every session (a restart): the call is refused with 404 before running,
    // the toolbox opens a new session and sends it once more.
    sessions.clear();
    expect((await turn(ann)).outcome).toBe('ok');
    expect(counts).toEqual({ initialize: 2, list: 1, call: 3 });

    // Another role, another person: their own session and list, their own tokens.
    await turn({ ...ann, roles: ['viewer', 'developer'] });
    await turn({ ...ann, id: 'u_bob', email: 'bob@acme.test' });
    expect(counts).toEqual({ initialize: 4, list: 3, call: 5 });
    expect(new Set(subjects)).toEqual(new Set(['u_ann', 'u_bob']));
    await pool.close();
  });
});
