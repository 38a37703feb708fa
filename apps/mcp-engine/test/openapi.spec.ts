// docs/openapi/mcp-engine.openapi.yaml against the engine: the document's structure (OpenAPI 3.1,
// unique operation ids, a 2xx per operation, declared path parameters, every $ref resolving,
// security on the token-protected operations), then every operation called on a real engine
// (harness with the payments plugin and a proxied SDK upstream) with each answer's status
// required to be documented for that operation and its JSON body validated against the
// documented schema (z.fromJSONSchema, $refs inlined).
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { startUpstreamMcpServer, type UpstreamMcpTestServer } from '@cw/testing/mcp';
import { startStripeServer, type StripeTestServer } from '@cw/testing/stripe';
import { USERS, startHarness, textOf, type Harness } from './support/harness.js';
import type { TestUser } from './support/token-issuer.js';

type Node = Record<string, unknown>;
const file = fileURLToPath(new URL('../../../docs/openapi/mcp-engine.openapi.yaml', import.meta.url));
const doc = parse(readFileSync(file, 'utf8')) as Node & { paths: Record<string, Node> };
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];
const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
  Object.entries(item)
    .filter(([method]) => METHODS.includes(method))
    .map(([method, op]) => ({ path, method, op: op as Node })),
);

function resolve(ref: string): unknown {
  if (!ref.startsWith('#/')) throw new Error(`external $ref ${ref}`);
  return ref
    .slice(2)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((n, p) => (n && typeof n === 'object' ? (n as Node)[p] : undefined), doc);
}
/** A copy with every local $ref replaced by its target (the document has no cycles). */
function inline(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(inline);
  if (!node || typeof node !== 'object') return node;
  const ref = (node as Node).$ref;
  if (typeof ref === 'string') return inline(resolve(ref));
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, inline(v)]));
}
function refsIn(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => refsIn(n, out));
  else if (node && typeof node === 'object')
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refsIn(v, out);
    }
  return out;
}
const byId = new Map(operations.map((o) => [o.op.operationId as string, o]));

/** Checks one real answer against the document: its status is documented, its JSON body fits. */
async function conforms(operationId: string, res: Response): Promise<unknown> {
  const found = byId.get(operationId);
  if (!found) throw new Error(`no operation ${operationId}`);
  const where = `${operationId} → ${res.status}`;
  const response = inline((found.op.responses as Node)[String(res.status)]) as Node | undefined;
  expect(response, `${where} is not documented`).toBeDefined();
  const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
  const content = response!.content as Record<string, { schema?: unknown }> | undefined;
  if (!content) return undefined;
  expect(Object.keys(content), `${where}: content-type ${type}`).toContain(type);
  if (type !== 'application/json') return res.text();
  const body = (await res.json()) as unknown;
  const schema = content[type]!.schema;
  if (schema) {
    const parsed = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]).safeParse(body);
    expect(
      parsed.success,
      `${where}: ${JSON.stringify(parsed.error?.issues)} in ${JSON.stringify(body)}`,
    ).toBe(true);
  }
  return body;
}

describe('the engine OpenAPI document', () => {
  it('is OpenAPI 3.1 with unique operation ids, a 2xx per operation, resolving $refs', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    const ids = operations.map((o) => o.op.operationId);
    expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z0-9]*$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { path, method, op } of operations) {
      const statuses = Object.keys(op.responses as Node);
      expect(
        statuses.some((s) => /^2\d\d$/.test(s)),
        `${method} ${path}`,
      ).toBe(true);
      expect(typeof op.summary, `${method} ${path} summary`).toBe('string');
      const declared = ((op.parameters as Node[] | undefined) ?? [])
        .map((p) => inline(p) as Node)
        .filter((p) => p.in === 'path');
      const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      expect(declared.map((p) => p.name).sort(), `${method} ${path} path parameters`).toEqual(inPath.sort());
      expect(declared.every((p) => p.required === true)).toBe(true);
      // Token-protected operations (the default security) document the 401.
      const open = Array.isArray(op.security) && op.security.length === 0;
      if (!open) expect(statuses, `${method} ${path}`).toContain('401');
    }
    for (const ref of refsIn(doc)) expect(resolve(ref), ref).toBeDefined();
    expect(Object.keys((doc.components as Node).securitySchemes as Node)).toEqual(['engineToken']);
  });

  it('covers every route the engine serves', () => {
    const paths = Object.keys(doc.paths).sort();
    expect(paths).toEqual(
      [
        '/.well-known/oauth-protected-resource',
        '/.well-known/oauth-protected-resource/mcp',
        '/mcp',
        '/approvals',
        '/approvals/{id}/approve',
        '/approvals/{id}/reject',
        '/tool-pins',
        '/tool-pins/{plugin}/{tool}/approve',
        '/healthz',
        '/readyz',
        '/api/status',
        '/metrics',
      ].sort(),
    );
  });
});

describe('the engine answers as its OpenAPI document says', () => {
  let upstream: UpstreamMcpTestServer;
  let stripe: StripeTestServer;
  let h: Harness;
  beforeAll(async () => {
    stripe = await startStripeServer();
    upstream = await startUpstreamMcpServer({
      tokens: { 'tok-org': 'org' },
      tools: [{ name: 'get_ticket', description: 'Reads a ticket', input: z.object({ id: z.string() }) }],
    });
    h = await startHarness({
      config: {
        plugins: ['payments', 'proxy'],
        pluginConfig: {
          payments: { apiBase: stripe.url },
          proxy: {
            url: upstream.url,
            auth: { credential: 'token' },
            rules: [{ pattern: 'get_*', classification: 'read', minRole: 'viewer' }],
          },
        },
        outbound: { allowHosts: [new URL(upstream.url).host, new URL(stripe.url).host] },
      },
      stripe,
      seedVault: async (vault) => {
        await vault.put({ plugin: 'proxy', name: 'token', scope: { level: 'org' } }, 'tok-org', 'admin');
      },
    });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await Promise.all([upstream?.close(), stripe?.close()]);
  });

  const mcpBase = () => new URL('/', h.engine.mcpUrl);
  const send = async (
    path: string,
    opts: { user?: TestUser; method?: string; body?: unknown; headers?: Record<string, string> } = {},
  ) =>
    fetch(new URL(path, mcpBase()), {
      method: opts.method ?? (opts.body === undefined ? 'GET' : 'POST'),
      headers: {
        ...(opts.user ? { authorization: `Bearer ${await h.token(opts.user)}` } : {}),
        ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...opts.headers,
      },
      ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
    });

  /** fetch cannot send another Host header: a plain node:http request, answered as a Response. */
  const withHost = (host: string, body: string, headers: Record<string, string>) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(h.engine.mcpUrl);
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { ...headers, host },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const out = new Headers();
            for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') out.set(k, v);
            const text = Buffer.concat(chunks).toString('utf8');
            resolve(new Response(text.length ? text : null, { status: res.statusCode ?? 0, headers: out }));
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  it('RFC 9728 metadata and the /mcp endpoint: 200, 400, 401 (with the challenge), 403 for a foreign Host', async () => {
    const meta = (await conforms(
      'getProtectedResourceMetadata',
      await send('/.well-known/oauth-protected-resource'),
    )) as Node;
    expect(meta.resource).toBe(h.config().auth.resource);
    await conforms(
      'getProtectedResourceMetadataForMcp',
      await send('/.well-known/oauth-protected-resource/mcp'),
    );
    const initialize = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'openapi', version: '1' },
      },
    };
    const accept = { accept: 'application/json, text/event-stream' };
    const noToken = await send('/mcp', { body: initialize, headers: accept });
    expect(noToken.headers.get('www-authenticate')).toMatch(
      /^Bearer error="invalid_request".*resource_metadata="/,
    );
    await conforms('postMcpMessage', noToken);
    const ok = await send('/mcp', { user: USERS.viewer, body: initialize, headers: accept });
    await conforms('postMcpMessage', ok);
    const noSession = await send('/mcp', {
      user: USERS.viewer,
      body: { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} },
      headers: { ...accept, 'mcp-protocol-version': '2025-06-18' },
    });
    await conforms('postMcpMessage', noSession);
    expect(noSession.status).toBe(400);
    const foreignHost = await withHost('evil.example', JSON.stringify(initialize), {
      ...accept,
      'content-type': 'application/json',
      authorization: `Bearer ${await h.token(USERS.viewer)}`,
    });
    expect(foreignHost.status).toBe(403);
    await conforms('postMcpMessage', foreignHost);
    const unknownSession = await send('/mcp', {
      user: USERS.viewer,
      method: 'GET',
      headers: { ...accept, 'mcp-session-id': 'nope' },
    });
    expect(unknownSession.status).toBe(404);
    await conforms('getMcpStream', unknownSession);
  });

  it('/approvals: list, approve, reject, and the documented errors', async () => {
    const client = await h.connect(USERS.developer);
    const parked = async () => {
      const r = await client.callTool({
        name: 'payments.charge',
        arguments: { amount: 60, currency: 'usd' },
      });
      return /^pending approval (apr_[A-Za-z0-9_-]+)/.exec(textOf(r))![1]!;
    };
    const [a, b] = [await parked(), await parked()];
    await client.close();
    const list = (await conforms(
      'listApprovals',
      await send('/approvals?status=pending', { user: USERS.manager }),
    )) as {
      approvals: { id: string }[];
    };
    expect(list.approvals.map((x) => x.id)).toEqual(expect.arrayContaining([a, b]));
    expect((await send('/approvals?status=maybe', { user: USERS.manager })).status).toBe(400);
    await conforms('listApprovals', await send('/approvals?status=maybe', { user: USERS.manager }));
    await conforms('listApprovals', await send('/approvals'));
    const viewer = await send('/approvals', { user: USERS.viewer });
    expect(viewer.status).toBe(403);
    await conforms('listApprovals', viewer);
    await conforms(
      'approveApproval',
      await send(`/approvals/${a}/approve`, { user: USERS.manager, method: 'POST' }),
    );
    const again = await send(`/approvals/${a}/approve`, { user: USERS.manager, method: 'POST' });
    expect(again.status).toBe(409);
    await conforms('approveApproval', again);
    const unknown = await send('/approvals/apr_unknown/approve', { user: USERS.manager, method: 'POST' });
    expect(unknown.status).toBe(404);
    await conforms('approveApproval', unknown);
    await conforms(
      'rejectApproval',
      await send(`/approvals/${b}/reject`, { user: USERS.manager, method: 'POST' }),
    );
    await conforms(
      'rejectApproval',
      await send(`/approvals/${b}/reject`, { user: USERS.viewer, method: 'POST' }),
    );
  });

  it('/tool-pins: list (all and pending), approve, and the documented errors', async () => {
    const all = (await conforms('listToolPins', await send('/tool-pins', { user: USERS.manager }))) as {
      proxy: { state: string };
      pins: { tool: string }[];
    };
    expect(all.proxy.state).toBe('ready');
    expect(all.pins.map((p) => p.tool)).toEqual(['get_ticket']);
    upstream.tools[0]!.description = 'Reads a ticket (changed)';
    const viewer = await h.connect(USERS.viewer);
    expect(textOf(await viewer.callTool({ name: 'proxy.get_ticket', arguments: { id: 'T-1' } }))).toMatch(
      /^refused: tool-changed/,
    );
    await viewer.close();
    const pending = (await conforms(
      'listToolPins',
      await send('/tool-pins?status=pending', { user: USERS.manager }),
    )) as { pins: { tool: string; pendingHash: string; upstream?: unknown }[] };
    expect(pending.pins).toEqual([
      expect.objectContaining({ tool: 'get_ticket', upstream: expect.any(Object) }),
    ]);
    await conforms('listToolPins', await send('/tool-pins?status=all', { user: USERS.manager }));
    await conforms('listToolPins', await send('/tool-pins', { user: USERS.developer }));
    const approve = (
      body: unknown,
      user: TestUser = USERS.manager,
      path = '/tool-pins/proxy/get_ticket/approve',
    ) => send(path, { user, body });
    await conforms('approveToolVersion', await approve({ hash: 'nope' }));
    await conforms('approveToolVersion', await approve({ hash: 'a'.repeat(64) }, USERS.viewer));
    const otherVersion = await approve({ hash: 'a'.repeat(64) });
    expect(otherVersion.status).toBe(409);
    await conforms('approveToolVersion', otherVersion);
    const noPlugin = await approve(
      { hash: 'a'.repeat(64) },
      USERS.manager,
      '/tool-pins/jira/get_ticket/approve',
    );
    expect(noPlugin.status).toBe(404);
    await conforms('approveToolVersion', noPlugin);
    const tooBig = await send('/tool-pins/proxy/get_ticket/approve', {
      user: USERS.manager,
      body: { hash: 'x'.repeat(8000) },
    });
    expect(tooBig.status).toBe(413);
    await conforms('approveToolVersion', tooBig);
    const approved = (await conforms(
      'approveToolVersion',
      await approve({ hash: pending.pins[0]!.pendingHash }),
    )) as { pin: { hash: string } };
    expect(approved.pin.hash).toBe(pending.pins[0]!.pendingHash);
    const nothing = await approve({ hash: pending.pins[0]!.pendingHash });
    expect(nothing.status).toBe(404);
    await conforms('approveToolVersion', nothing);
  });

  it('dashboard port: health, readiness, status and metrics', async () => {
    const dash = (path: string) => fetch(new URL(path, h.engine.dashboardUrl));
    await conforms('getHealth', await dash('/healthz'));
    await conforms('getReadiness', await dash('/readyz'));
    const status = (await conforms('getStatus', await dash('/api/status'))) as { proxy: { state: string } };
    expect(status.proxy.state).toBe('ready');
    const metrics = await conforms('getMetrics', await dash('/metrics'));
    expect(String(metrics)).toContain('cw_engine_tool_calls_total');
  });
});
